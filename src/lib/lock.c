#include "lock.h"

#include "buf.h"
#include "error.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


int ais_lock_acquire(ais_lock *lock, const char *dir, const char *tag,
		     const volatile sig_atomic_t *cancel, ais_event_cb on_event,
		     void *payload)
{
	ais_buf path = AIS_BUF_INIT;
	const char *c;
	int fd = -1, error = 0;
	int waited = 0;

	lock->fd = -1;
	if ((error = ais_fs_private_dir(dir)) < 0 ||
	    (error = ais_buf_printf(&path, "%s/", dir)) < 0)
		goto done;
	/* Tags hold ':' and may hold '/': keep the name one path component. */
	for (c = tag; *c; c++)
		if ((error = ais_buf_putc(&path, *c == '/' ? '%' : *c)) < 0)
			goto done;
	if ((error = ais_buf_puts(&path, ".lock")) < 0)
		goto done;
	fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
		  O_NONBLOCK, 0600);
	if (fd < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot open lock '%s'",
					 path.ptr);
		goto done;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (errno != EWOULDBLOCK && errno != EINTR) {
			error = ais_error_set_os(AIS_ERROR, errno, "cannot lock '%s'",
						 path.ptr);
			goto done;
		}
		if (!waited && on_event) {
			ais_event ev = { .type = AIS_EVENT_WAIT, .tag = tag,
					 .text = "waiting for another aishell building it" };

			on_event(&ev, payload);
		}
		waited = 1;
		if (cancel && *cancel) {
			error = ais_error_set(AIS_EINTERRUPTED,
					      "interrupted");
			goto done;
		}
		nanosleep(&ts, NULL);
	}
	lock->fd = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	ais_buf_dispose(&path);
	return error;
}

void ais_lock_release(ais_lock *lock)
{
	if (lock->fd >= 0) {
		flock(lock->fd, LOCK_UN);
		close(lock->fd);
	}
	lock->fd = -1;
}
