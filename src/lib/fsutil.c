#include "fsutil.h"

#include "buf.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A name for `fd` in messages: the path the kernel knows, else "fd N". */
static const char *fd_name(char *out, size_t len, int fd)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, len - 1);
	if (n <= 0) {
		snprintf(out, len, "fd %d", fd);
		return out;
	}
	out[n] = '\0';
	return out;
}

static int open_failed(int err, const char *path, unsigned flags)
{
	if (err == ENOENT || err == ENOTDIR)
		return ais_error_set_os(AIS_ENOTFOUND, err, "cannot open '%s'", path);
	if (err == ELOOP && (flags & AIS_FS_NOFOLLOW))
		return ais_error_set(AIS_EINVALID,
				     "'%s' is a symbolic link; refusing to follow it",
				     path);
	return ais_error_set_os(AIS_ERROR, err, "cannot open '%s'", path);
}

/* fstat() the fd just opened for `path`, keep it only if it is a regular
 * file, and make it blocking again. */
static int check_regular(int fd, const char *path, struct stat *st)
{
	struct stat tmp;
	int fl;

	if (!st)
		st = &tmp;
	if (fstat(fd, st) < 0) {
		int err = errno;

		close(fd);
		return ais_error_set_os(AIS_ERROR, err, "cannot stat '%s'", path);
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return ais_error_set(AIS_EINVALID,
				     "'%s' is not a regular file", path);
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int err = errno;

		close(fd);
		return ais_error_set_os(AIS_ERROR, err, "cannot open '%s'", path);
	}
	return fd;
}

static int open_flags(unsigned flags)
{
	return O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
	       ((flags & AIS_FS_NOFOLLOW) ? O_NOFOLLOW : 0);
}

int ais_fs_open_regular(const char *path, unsigned flags, struct stat *st)
{
	int fd = open(path, open_flags(flags));

	if (fd < 0)
		return open_failed(errno, path, flags);
	return check_regular(fd, path, st);
}

int ais_fs_openat_regular(int dirfd, const char *name, unsigned flags,
			  struct stat *st)
{
	int fd = openat(dirfd, name, open_flags(flags));

	if (fd < 0)
		return open_failed(errno, name, flags);
	return check_regular(fd, name, st);
}

ssize_t ais_fs_read(int fd, void *data, size_t len)
{
	char name[PATH_MAX];
	ssize_t n;

	do
		n = read(fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot read '%s'",
					fd_name(name, sizeof(name), fd));
	return n;
}

int ais_fs_read_fd(ais_buf *out, int fd, size_t max)
{
	char chunk[8192], name[PATH_MAX];
	size_t total = 0;
	ssize_t n;
	int error;

	while ((n = ais_fs_read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0)
			return (int)n;
		total += (size_t)n;
		if (max && total > max)
			return ais_error_set(AIS_EINVALID,
					     "'%s' is too large (more than %zu bytes)",
					     fd_name(name, sizeof(name), fd), max);
		if ((error = ais_buf_put(out, chunk, (size_t)n)) < 0)
			return error;
	}
	return 0;
}

int ais_fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	char name[PATH_MAX];

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ais_error_set_os(AIS_ERROR, n < 0 ? errno : EIO,
						"cannot write '%s'",
						fd_name(name, sizeof(name), fd));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Follow the symbolic link at `path` to the file it names (which may not
 * exist yet); `out` gets the final path. */
static int resolve_link(ais_buf *out, const char *path)
{
	ais_buf target = AIS_BUF_INIT;
	struct stat st;
	ssize_t n;
	int hops, error;

	if ((error = ais_buf_sets(out, path)) < 0)
		return error;
	for (hops = 0; hops < 40; hops++) {
		char *slash;

		if (lstat(out->ptr, &st) < 0 || !S_ISLNK(st.st_mode))
			break;
		ais_buf_clear(&target);
		if ((error = ais_buf_grow(&target, PATH_MAX)) < 0)
			goto done;
		n = readlink(out->ptr, target.ptr, target.alloc - 1);
		if (n < 0) {
			error = ais_error_set_os(AIS_ERROR, errno,
						 "cannot read the link '%s'", out->ptr);
			goto done;
		}
		target.size = (size_t)n;
		target.ptr[n] = '\0';
		if (target.ptr[0] == '/') {
			error = ais_buf_sets(out, target.ptr);
		} else {
			slash = strrchr(out->ptr, '/');
			out->size = slash ? (size_t)(slash - out->ptr) + 1 : 0;
			out->ptr[out->size] = '\0';
			error = ais_buf_puts(out, target.ptr);
		}
		if (error < 0)
			goto done;
	}
	if (hops == 40)
		error = ais_error_set(AIS_EINVALID,
				      "too many symbolic links at '%s'", path);
done:
	ais_buf_dispose(&target);
	return error;
}

static mode_t current_umask(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return mask;
}

int ais_fs_write_atomic(const char *path, const void *data, size_t len,
			mode_t mode, unsigned flags)
{
	ais_buf real = AIS_BUF_INIT, tmp = AIS_BUF_INIT;
	const char *target = path, *slash;
	struct stat st;
	int fd = -1, dfd, error = 0;

	mode = mode & 07777 & ~current_umask();
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!(flags & AIS_FS_FOLLOW_LINK)) {
			error = ais_error_set(AIS_EINVALID,
					      "'%s' is a symbolic link; refusing to write through it",
					      path);
			goto done;
		}
		if ((error = resolve_link(&real, path)) < 0)
			goto done;
		target = real.ptr;
	}
	if (lstat(target, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			error = ais_error_set(AIS_EINVALID,
					      "'%s' is not a regular file", target);
			goto done;
		}
		if (flags & AIS_FS_KEEP_MODE)
			mode = st.st_mode & 07777;
	}

	slash = strrchr(target, '/');
	if (slash)
		error = ais_buf_put(&tmp, target, (size_t)(slash - target) + 1);
	if (error < 0 ||
	    (error = ais_buf_printf(&tmp, ".%s.tmp-XXXXXX",
				    slash ? slash + 1 : target)) < 0)
		goto done;
	fd = mkostemp(tmp.ptr, O_CLOEXEC);
	if (fd < 0) {
		error = ais_error_set_os(AIS_ERROR, errno,
					 "cannot create a temporary file for '%s'",
					 target);
		ais_buf_dispose(&tmp);
		goto done;
	}
	if ((error = ais_fs_write_all(fd, data, len)) < 0)
		goto done;
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot write '%s'",
					 tmp.ptr);
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = ais_error_set_os(AIS_ERROR, errno, "cannot write '%s'",
					 tmp.ptr);
		goto done;
	}
	fd = -1;
	if (rename(tmp.ptr, target) < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot replace '%s'",
					 target);
		goto done;
	}
	ais_buf_dispose(&tmp);
	if (flags & AIS_FS_SYNC_DIR) {
		ais_buf dir = AIS_BUF_INIT;

		if (slash)
			error = ais_buf_put(&dir, target, slash == target ? 1 :
						  (size_t)(slash - target));
		else
			error = ais_buf_puts(&dir, ".");
		if (error < 0)
			goto done;
		/* The file is in place; a directory that cannot be synced
		 * (some file systems refuse) does not undo that. */
		dfd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		ais_buf_dispose(&dir);
	}
done:
	if (fd >= 0)
		close(fd);
	if (tmp.ptr)
		unlink(tmp.ptr);
	ais_buf_dispose(&tmp);
	ais_buf_dispose(&real);
	return error;
}

int ais_fs_mkdirs(const char *dir, mode_t mode)
{
	ais_buf path = AIS_BUF_INIT;
	struct stat st;
	char *p;
	int error = 0;

	if (!*dir)
		return ais_error_set(AIS_EINVALID,
				     "cannot create a directory with an empty name");
	if ((error = ais_buf_puts(&path, dir)) < 0)
		return error;
	for (p = path.ptr + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path.ptr, mode) < 0 && errno != EEXIST) {
			error = ais_error_set_os(AIS_ERROR, errno,
						 "cannot create directory '%s'",
						 path.ptr);
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	if (error == 0 && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		error = ais_error_set(AIS_EINVALID,
				      "'%s' is not a directory", dir);
	ais_buf_dispose(&path);
	return error;
}

int ais_fs_private_dir(const char *dir)
{
	struct stat st;
	int error;

	if ((error = ais_fs_mkdirs(dir, 0700)) < 0)
		return error;
	if (lstat(dir, &st) < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot stat '%s'", dir);
	if (S_ISLNK(st.st_mode))
		return ais_error_set(AIS_EINVALID,
				     "'%s' is a symbolic link; replace it with a directory of your own",
				     dir);
	if (!S_ISDIR(st.st_mode))
		return ais_error_set(AIS_EINVALID,
				     "'%s' is not a directory", dir);
	if (st.st_uid != geteuid())
		return ais_error_set(AIS_EINVALID,
				     "'%s' belongs to another user (uid %lu); remove it or use a directory of your own",
				     dir, (unsigned long)st.st_uid);
	if (st.st_mode & 022)
		return ais_error_set(AIS_EINVALID,
				     "'%s' is writable by other users (mode %04o); run chmod go-w on it",
				     dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

int ais_fs_self_exe(ais_buf *out)
{
	size_t room = 256;
	ssize_t n;
	int error;

	for (;;) {
		ais_buf_clear(out);
		if ((error = ais_buf_grow(out, room)) < 0)
			return error;
		n = readlink("/proc/self/exe", out->ptr, room);
		if (n < 0)
			return ais_error_set_os(AIS_ERROR, errno,
						"cannot find the aishell binary");
		if ((size_t)n < room)
			break;
		room *= 2;
	}
	out->size = (size_t)n;
	out->ptr[n] = '\0';
	return 0;
}

int ais_fs_which(ais_buf *out, const char *name, const struct stat *same)
{
	const char *path = getenv("PATH"), *p, *end;
	ais_buf cand = AIS_BUF_INIT;
	struct stat st;
	int error = AIS_ENOTFOUND;

	for (p = path; p && *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (*p != '/')
			continue;
		ais_buf_clear(&cand);
		if ((error = ais_buf_put(&cand, p, (size_t)(end - p))) < 0 ||
		    (error = ais_buf_printf(&cand, "/%s", name)) < 0)
			goto done;
		error = AIS_ENOTFOUND;
		if (stat(cand.ptr, &st) < 0 || !S_ISREG(st.st_mode) ||
		    access(cand.ptr, X_OK) < 0)
			continue;
		if (same && (st.st_dev != same->st_dev || st.st_ino != same->st_ino))
			continue;
		error = ais_buf_sets(out, cand.ptr);
		goto done;
	}
	ais_error_set(AIS_ENOTFOUND, "'%s' is not on PATH", name);
done:
	ais_buf_dispose(&cand);
	return error;
}

static int link_cmp(const void *a, const void *b, void *arg)
{
	const ais_fs_id *ids = arg, *x = &ids[*(const size_t *)a], *y = &ids[*(const size_t *)b];

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	/* the order they are sent in, within one file's names */
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int ais_fs_links(size_t *link, const ais_fs_id *ids, size_t n)
{
	size_t *by_id, i, files = 0, first = 0;

	for (i = 0; i < n; i++)
		link[i] = AIS_FS_NO_LINK;
	if (n == 0)
		return 0;
	if (!(by_id = malloc(n * sizeof(*by_id))))
		return ais_error_set(AIS_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (ids[i].dev || ids[i].ino)
			by_id[files++] = i;
	qsort_r(by_id, files, sizeof(*by_id), link_cmp, (void *)ids);
	for (i = 0; i < files; i++) {
		if (i == 0 || ids[by_id[i]].dev != ids[by_id[first]].dev ||
		    ids[by_id[i]].ino != ids[by_id[first]].ino)
			first = i;
		else
			link[by_id[i]] = by_id[first];
	}
	free(by_id);
	return 0;
}

long long ais_fs_time_ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* ---- fstatat() on two threads ------------------------------------------ */

#define STAT_TAKE 8 /* indexes taken at a time */

typedef struct {
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	size_t next; /* the next index not taken (atomic) */
} stat_job;

struct ais_fs_stat_helper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	stat_job *job;  /* offered to the helper, not taken yet */
	bool busy;      /* the helper took a job and is on it */
	bool quit;
};

/* Take indexes until none is left. */
static void stat_job_run(stat_job *job)
{
	size_t i, end;

	while ((i = __atomic_fetch_add(&job->next, STAT_TAKE, __ATOMIC_RELAXED)) < job->n) {
		end = i + STAT_TAKE < job->n ? i + STAT_TAKE : job->n;
		for (; i < end; i++)
			job->fn(job->arg, i);
	}
}

static void *stat_helper_main(void *p)
{
	ais_fs_stat_helper *h = p;
	stat_job *job;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (!h->job && !h->quit)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->quit)
			break;
		job = h->job;
		h->job = NULL;
		h->busy = true;
		pthread_mutex_unlock(&h->lock);
		stat_job_run(job);
		pthread_mutex_lock(&h->lock);
		h->busy = false;
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

ais_fs_stat_helper *ais_fs_stat_helper_new(void)
{
	ais_fs_stat_helper *h = calloc(1, sizeof(*h));
	sigset_t all, old;
	int rc;

	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&h->thread, NULL, stat_helper_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&h->cond);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

void ais_fs_stat_helper_free(ais_fs_stat_helper *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->quit = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static ais_fs_stat_helper *shared;

static void shared_free(void)
{
	ais_fs_stat_helper_free(shared);
}

static void shared_make(void)
{
	if ((shared = ais_fs_stat_helper_new()) != NULL)
		atexit(shared_free);
}

ais_fs_stat_helper *ais_fs_stat_helper_shared(void)
{
	pthread_once(&shared_once, shared_make);
	return shared;
}

void ais_fs_stat_each(ais_fs_stat_helper *h, size_t n,
		      void (*fn)(void *arg, size_t i), void *arg)
{
	stat_job job = { fn, arg, n, 0 };

	if (h && n > STAT_TAKE) {
		pthread_mutex_lock(&h->lock);
		h->job = &job;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	} else {
		h = NULL;
	}
	stat_job_run(&job);
	if (!h)
		return;
	/* Every index is taken: withdraw the offer if the helper never came,
	 * else wait until it is done with what it took. */
	pthread_mutex_lock(&h->lock);
	if (h->job == &job)
		h->job = NULL;
	while (h->busy)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}
