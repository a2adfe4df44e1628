/*
 * run.c - what a hook run needs without libgit2: its arguments, the git
 * dir, rebase detection, git's environment, and the background builds.
 */
#include "hooks.h"

#include "error.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- arguments ------------------------------------------------------- */

static bool is_oid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && (n == 40 || n == 64);
}

static bool all_zero(const char *s)
{
	return s[strspn(s, "0")] == '\0';
}

int ais_hook_args_parse(ais_hook_args *out, const char *name, int argc,
			char **argv)
{
	memset(out, 0, sizeof(*out));
	if (!strcmp(name, "post-checkout")) {
		out->type = AIS_HOOK_POST_CHECKOUT;
		if (argc < 3 || !is_oid(argv[0]) || !is_oid(argv[1]) ||
		    (strcmp(argv[2], "0") && strcmp(argv[2], "1")))
			return ais_error_set(AIS_EINVALID,
					     "post-checkout wants OLD NEW FLAG (two commit ids and 0 or 1)");
		if (!all_zero(argv[0]))
			snprintf(out->old, sizeof(out->old), "%s", argv[0]);
		snprintf(out->new, sizeof(out->new), "%s", argv[1]);
		out->flag = argv[2][0] == '1';
		return 0;
	}
	if (!strcmp(name, "post-merge")) {
		out->type = AIS_HOOK_POST_MERGE;
		if (argc >= 1 && strcmp(argv[0], "0") && strcmp(argv[0], "1"))
			return ais_error_set(AIS_EINVALID,
					     "post-merge wants 0 or 1 (squash), not '%s'",
					     argv[0]);
		out->flag = argc >= 1 && argv[0][0] == '1';
		return 0;
	}
	if (!strcmp(name, "post-rewrite")) {
		out->type = AIS_HOOK_POST_REWRITE;
		if (argc < 1 || (strcmp(argv[0], "amend") && strcmp(argv[0], "rebase")))
			return ais_error_set(AIS_EINVALID,
					     "post-rewrite wants 'amend' or 'rebase'");
		snprintf(out->command, sizeof(out->command), "%s", argv[0]);
		return 0;
	}
	return ais_error_set(AIS_ENOTFOUND,
			     "unknown hook '%s' (post-checkout, post-merge or post-rewrite)",
			     name);
}

bool ais_hook_args_trivial(const ais_hook_args *args)
{
	switch (args->type) {
	case AIS_HOOK_POST_CHECKOUT:
		return args->flag == 0 || !strcmp(args->old, args->new);
	case AIS_HOOK_POST_REWRITE:
		return strcmp(args->command, "rebase") != 0;
	case AIS_HOOK_POST_MERGE:
		break;
	}
	return false;
}

/* ---- git dir and rebase ----------------------------------------------- */

int ais_hooks_find_gitdir(ais_buf *out, const char *workdir)
{
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT;
	struct stat st;
	size_t n;
	int fd = -1, error;

	ais_buf_clear(out);
	if ((error = ais_buf_printf(&path, "%s/.git", workdir)) < 0)
		goto done;
	if (stat(path.ptr, &st) < 0) {
		error = ais_error_set(AIS_ENOTFOUND,
				      "no .git in '%s'", workdir);
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		error = ais_buf_puts(out, path.ptr);
		goto done;
	}
	/* A gitdir file is one short line; anything else is not one. */
	if ((fd = ais_fs_open_regular(path.ptr, 0, NULL)) < 0 ||
	    ais_fs_read_fd(&text, fd, 4096) < 0 ||
	    strncmp(ais_buf_cstr(&text), "gitdir: ", 8) != 0) {
		error = ais_error_set(AIS_ENOTFOUND,
				      "'%s' is not a gitdir file", path.ptr);
		goto done;
	}
	n = strcspn(text.ptr, "\r\n");
	text.ptr[n] = '\0';
	if (text.ptr[8] == '/')
		error = ais_buf_puts(out, text.ptr + 8);
	else
		error = ais_buf_printf(out, "%s/%s", workdir, text.ptr + 8);
done:
	if (fd >= 0)
		close(fd);
	ais_buf_dispose(&path);
	ais_buf_dispose(&text);
	return error;
}

bool ais_hooks_rebase_in_progress(const char *gitdir)
{
	static const char *const dirs[] = { "rebase-merge", "rebase-apply" };
	char path[PATH_MAX + 32];
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", gitdir, dirs[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	}
	return false;
}

/* ---- environment -------------------------------------------------------- */

const char *const ais_hooks_git_env[] = {
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
	"GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE",
	"GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE",
	"GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX",
	"GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR",
	NULL
};

/* ---- background builds -------------------------------------------------- */

static int bg_path(char *dst, size_t len, const char *dir, const char *key,
		   const char *suffix)
{
	int n = snprintf(dst, len, "%s/%s%s", dir, key, suffix);

	if (n < 0 || (size_t)n >= len)
		return ais_error_set(AIS_EINVALID,
				     "state directory path too long: '%s'", dir);
	return 0;
}

int ais_hooks_bg_init(ais_hooks_bg *bg, const char *state_dir, const char *key)
{
	int error;

	memset(bg, 0, sizeof(*bg));
	if ((error = bg_path(bg->dir, sizeof(bg->dir), state_dir, "hooks", "")) < 0 ||
	    (error = bg_path(bg->lock, sizeof(bg->lock), bg->dir, key, ".lock")) < 0 ||
	    (error = bg_path(bg->pending, sizeof(bg->pending), bg->dir, key,
			     ".pending")) < 0 ||
	    (error = bg_path(bg->log, sizeof(bg->log), bg->dir, key, ".log")) < 0 ||
	    (error = bg_path(bg->result, sizeof(bg->result), bg->dir, key,
			     ".result")) < 0)
		return error;
	return 0;
}

/* The state files: never through a symbolic link, never a terminal. */
#define STATE_OPEN (O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)

static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | STATE_OPEN, 0600);

	if (fd < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot create '%s'", path);
	/* Bump the mtime even when the file exists: it is the debounce clock. */
	futimens(fd, NULL);
	close(fd);
	return 0;
}

static void close_from(int lowfd)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowfd; fd < max; fd++)
		close(fd);
}

int ais_hooks_bg_request(const ais_hooks_bg *bg, char *const argv[])
{
	pid_t pid;
	int error, status;

	if ((error = ais_fs_private_dir(bg->dir)) < 0 ||
	    (error = touch(bg->pending)) < 0)
		return error;
	pid = fork();
	if (pid < 0)
		return ais_error_set_os(AIS_ERROR, errno,
					"cannot start the background build");
	if (pid == 0) {
		/* Child: new session, then fork again so the worker is nobody's
		 * child and never a terminal's; stdio on /dev/null. */
		int fd = open("/dev/null", O_RDWR);

		if (fd < 0 || setsid() < 0)
			_exit(1);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close_from(3);
		signal(SIGHUP, SIG_IGN);
		pid = fork();
		if (pid != 0)
			_exit(pid < 0);
		signal(SIGHUP, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			break;
	}
	return 0;
}

static long long mtime_ms(const char *path, bool *found)
{
	struct stat st;

	*found = stat(path, &st) == 0;
	if (!*found)
		return 0;
	return (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
}

static int write_result(const ais_hooks_bg *bg, int code, const char *summary)
{
	ais_buf text = AIS_BUF_INIT;
	const char *p;
	int error;

	error = ais_buf_printf(&text, "%lld %d ", (long long)time(NULL), code);
	for (p = summary; error == 0 && *p; p++)
		error = ais_buf_putc(&text, *p == '\n' ? ' ' : *p);
	if (error == 0 && (error = ais_buf_putc(&text, '\n')) == 0)
		error = ais_fs_write_atomic(bg->result, text.ptr, text.size, 0600, 0);
	ais_buf_dispose(&text);
	return error;
}

/* Keep the last AIS_HOOKS_BG_LOGS logs: <log>.1 is the one before <log>,
 * and so on; the oldest is dropped. */
static void rotate_logs(const char *log)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	int i;

	for (i = AIS_HOOKS_BG_LOGS - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", log);
		else
			snprintf(from, sizeof(from), "%s.%d", log, i - 1);
		snprintf(to, sizeof(to), "%s.%d", log, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			break;
	}
}

/* POSIX record locks, not flock: `hooks status` can ask with F_GETLK
 * whether a worker runs without ever holding the lock itself. */
static int lock_file(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	return fcntl(fd, F_SETLK, &fl);
}

int ais_hooks_bg_work(const ais_hooks_bg *bg, unsigned debounce_ms,
		      ais_hooks_bg_job job, void *payload)
{
	ais_buf summary = AIS_BUF_INIT;
	struct stat st;
	bool found;
	int lock = -1, log = -1, error = 0;

again:
	if ((error = ais_fs_private_dir(bg->dir)) < 0)
		goto done;
	lock = open(bg->lock, O_RDWR | O_CREAT | STATE_OPEN, 0600);
	if (lock < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot open '%s'",
					 bg->lock);
		goto done;
	}
	if (lock_file(lock, F_WRLCK) < 0) {
		/* Another worker runs; it sees our pending file. */
		goto done;
	}
	rotate_logs(bg->log);
	if (log >= 0)
		close(log);
	log = open(bg->log, O_WRONLY | O_CREAT | O_TRUNC | STATE_OPEN, 0600);
	if (log >= 0 && (fstat(log, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(log);
		log = -1;
	}
	for (;;) {
		long long m = mtime_ms(bg->pending, &found);
		int code;

		if (!found)
			break;
		if (now_ms() - m < (long long)debounce_ms) {
			sleep_ms((long long)debounce_ms - (now_ms() - m));
			continue;
		}
		unlink(bg->pending);
		ais_buf_clear(&summary);
		code = job(&summary, log, payload);
		if ((error = write_result(bg, code, ais_buf_cstr(&summary))) < 0)
			goto done;
	}
	lock_file(lock, F_UNLCK);
	close(lock);
	lock = -1;
	/* A hook that touched the pending file after our last look saw the
	 * lock held and left the work to us: take it again. */
	mtime_ms(bg->pending, &found);
	if (found)
		goto again;
done:
	if (lock >= 0)
		close(lock);
	if (log >= 0)
		close(log);
	ais_buf_dispose(&summary);
	return error;
}

int ais_hooks_bg_read(ais_hooks_bg_status *out, const ais_hooks_bg *bg)
{
	ais_buf text = AIS_BUF_INIT;
	char *line;
	int fd, n = 0;

	memset(out, 0, sizeof(*out));
	fd = open(bg->lock, O_RDWR | STATE_OPEN);
	if (fd >= 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		/* F_GETLK only asks: it never takes the lock from a worker. */
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			out->running = true;
		close(fd);
	}
	fd = ais_fs_open_regular(bg->result, AIS_FS_NOFOLLOW, NULL);
	if (fd < 0) {
		ais_error_clear();
		return 0;
	}
	if (ais_fs_read_fd(&text, fd, 65536) == 0 && text.ptr &&
	    sscanf(text.ptr, "%lld %d %n", &out->when, &out->exit_code, &n) >= 2 && n) {
		line = text.ptr;
		out->found = true;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out->summary, sizeof(out->summary), "%s", line + n);
	}
	ais_error_clear();
	close(fd);
	ais_buf_dispose(&text);
	return 0;
}
