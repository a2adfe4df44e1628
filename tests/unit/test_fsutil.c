#include "test.h"

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *tpath(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", test_tmpdir(), rel);
	return out;
}

static const char *last_message(void)
{
	return ais_error_last()->message;
}

/* Files in the scratch directory whose name contains `part`. */
static int count_entries(const char *part)
{
	DIR *d = opendir(test_tmpdir());
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strstr(e->d_name, part))
			n++;
	closedir(d);
	return n;
}

static void read_back(ais_buf *out, const char *path)
{
	ais_buf_clear(out);
	CHECK_INT(ais_buf_read_file(out, path), 0);
}

/* Opening a FIFO (directly or through a symlink) must fail at once, never
 * wait for a writer: SIGALRM ends the test run if it blocks. */
TEST(fs_open_regular_refuses_fifo_without_blocking)
{
	char fifo[PATH_MAX], link[PATH_MAX];
	ais_buf b = AIS_BUF_INIT;
	char hex[65];

	CHECK_INT(mkfifo(tpath(fifo, sizeof(fifo), "fifo"), 0600), 0);
	CHECK_INT(symlink(fifo, tpath(link, sizeof(link), "link")), 0);
	alarm(10);
	CHECK_INT(ais_fs_open_regular(fifo, 0, NULL), AIS_EINVALID);
	CHECK(strstr(last_message(), "fifo' is not a regular file") != NULL);
	CHECK_INT(ais_fs_open_regular(link, 0, NULL), AIS_EINVALID);
	CHECK_INT(ais_buf_read_file(&b, link), AIS_EINVALID);
	CHECK_INT(ais_hash_file_h12(hex, link), AIS_EINVALID);
	alarm(0);
	ais_buf_dispose(&b);
}

TEST(fs_open_regular_returns_a_blocking_fd)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	test_write("f", "hello");
	fd = ais_fs_open_regular(tpath(path, sizeof(path), "f"), 0, &st);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INT(st.st_size, 5);
	CHECK_INT(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST(fs_open_regular_errors)
{
	char path[PATH_MAX], link[PATH_MAX];
	int fd;

	CHECK_INT(ais_fs_open_regular(tpath(path, sizeof(path), "nope"), 0, NULL),
		  AIS_ENOTFOUND);
	CHECK_INT(ais_fs_open_regular(tpath(path, sizeof(path), "nope/x"), 0, NULL),
		  AIS_ENOTFOUND);
	CHECK_INT(ais_fs_open_regular(test_tmpdir(), 0, NULL), AIS_EINVALID);
	test_write("f", "x");
	CHECK_INT(symlink("f", tpath(link, sizeof(link), "l")), 0);
	fd = ais_fs_open_regular(link, 0, NULL);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(ais_fs_open_regular(link, AIS_FS_NOFOLLOW, NULL), AIS_EINVALID);
	CHECK(strstr(last_message(), "is a symbolic link") != NULL);
}

TEST(fs_openat_regular)
{
	int dfd = open(test_tmpdir(), O_RDONLY | O_DIRECTORY), fd;
	char path[PATH_MAX];

	CHECK(dfd >= 0);
	test_write("f", "x");
	CHECK_INT(mkfifo(tpath(path, sizeof(path), "p"), 0600), 0);
	CHECK_INT(symlink("f", tpath(path, sizeof(path), "l")), 0);
	fd = ais_fs_openat_regular(dfd, "f", AIS_FS_NOFOLLOW, NULL);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	alarm(10);
	CHECK_INT(ais_fs_openat_regular(dfd, "p", 0, NULL), AIS_EINVALID);
	alarm(0);
	CHECK_INT(ais_fs_openat_regular(dfd, "l", AIS_FS_NOFOLLOW, NULL), AIS_EINVALID);
	CHECK_INT(ais_fs_openat_regular(dfd, "none", 0, NULL), AIS_ENOTFOUND);
	close(dfd);
}

TEST(fs_read_fd_limit)
{
	char path[PATH_MAX];
	ais_buf b = AIS_BUF_INIT;
	int fd;

	test_write("f", "0123456789");
	fd = ais_fs_open_regular(tpath(path, sizeof(path), "f"), 0, NULL);
	CHECK_INT(ais_fs_read_fd(&b, fd, 0), 0);
	CHECK_STR(ais_buf_cstr(&b), "0123456789");
	CHECK_INT(lseek(fd, 0, SEEK_SET), 0);
	ais_buf_clear(&b);
	CHECK_INT(ais_fs_read_fd(&b, fd, 10), 0);
	CHECK_INT(b.size, 10);
	CHECK_INT(lseek(fd, 0, SEEK_SET), 0);
	ais_buf_clear(&b);
	CHECK_INT(ais_fs_read_fd(&b, fd, 9), AIS_EINVALID);
	CHECK(strstr(last_message(), "f' is too large") != NULL);
	close(fd);
	ais_buf_dispose(&b);
}

TEST(fs_write_atomic_creates_and_replaces)
{
	char path[PATH_MAX];
	ais_buf b = AIS_BUF_INIT;
	struct stat st;
	mode_t old = umask(022);

	tpath(path, sizeof(path), "out.json");
	CHECK_INT(ais_fs_write_atomic(path, "one", 3, 0644, AIS_FS_SYNC_DIR), 0);
	read_back(&b, path);
	CHECK_STR(ais_buf_cstr(&b), "one");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0644);
	CHECK_INT(ais_fs_write_atomic(path, "two!", 4, 0755, 0), 0);
	read_back(&b, path);
	CHECK_STR(ais_buf_cstr(&b), "two!");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0755);
	/* an existing file keeps its mode on request; the umask applies */
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(ais_fs_write_atomic(path, "3", 1, 0644, AIS_FS_KEEP_MODE), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	umask(077);
	CHECK_INT(ais_fs_write_atomic(path, "4", 1, 0644, 0), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	umask(old);
	CHECK_INT(count_entries("tmp-"), 0);
	ais_buf_dispose(&b);
}

TEST(fs_write_atomic_refuses_a_symlink)
{
	char path[PATH_MAX], victim[PATH_MAX];
	ais_buf b = AIS_BUF_INIT;
	struct stat st;

	test_write("victim", "precious");
	tpath(victim, sizeof(victim), "victim");
	CHECK_INT(symlink("victim", tpath(path, sizeof(path), "out")), 0);
	CHECK_INT(ais_fs_write_atomic(path, "evil", 4, 0644, 0), AIS_EINVALID);
	CHECK(strstr(last_message(), "out' is a symbolic link") != NULL);
	read_back(&b, victim);
	CHECK_STR(ais_buf_cstr(&b), "precious");
	/* asked to follow: the target is replaced, the link stays */
	CHECK_INT(ais_fs_write_atomic(path, "new", 3, 0644, AIS_FS_FOLLOW_LINK), 0);
	read_back(&b, victim);
	CHECK_STR(ais_buf_cstr(&b), "new");
	CHECK_INT(lstat(path, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	/* a dangling link is followed to the file it names */
	CHECK_INT(symlink("made", tpath(path, sizeof(path), "dangling")), 0);
	CHECK_INT(ais_fs_write_atomic(path, "m", 1, 0644, AIS_FS_FOLLOW_LINK), 0);
	read_back(&b, tpath(path, sizeof(path), "made"));
	CHECK_STR(ais_buf_cstr(&b), "m");
	/* a directory or FIFO in the way is refused */
	test_mkdir("dir");
	CHECK_INT(ais_fs_write_atomic(tpath(path, sizeof(path), "dir"), "x", 1, 0644, 0),
		  AIS_EINVALID);
	CHECK_INT(mkfifo(tpath(path, sizeof(path), "fifo"), 0600), 0);
	CHECK_INT(ais_fs_write_atomic(path, "x", 1, 0644, 0), AIS_EINVALID);
	CHECK_INT(count_entries("tmp-"), 0);
	ais_buf_dispose(&b);
}

/* A write that fails half-way (here: the file size limit) leaves the old
 * file as it was and no temporary file behind. */
TEST(fs_write_atomic_failure_keeps_the_old_file)
{
	static char big[100000];
	char path[PATH_MAX];
	ais_buf b = AIS_BUF_INIT;
	int status;
	pid_t pid;

	test_write("keep", "old contents");
	tpath(path, sizeof(path), "keep");
	memset(big, 'x', sizeof(big));
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 4096, 4096 };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(ais_fs_write_atomic(path, big, sizeof(big), 0644, 0) ==
			      AIS_ERROR && strstr(last_message(), "cannot write")
		      ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_back(&b, path);
	CHECK_STR(ais_buf_cstr(&b), "old contents");
	CHECK_INT(count_entries("tmp-"), 0);
	/* no directory: nothing is created */
	CHECK_INT(ais_fs_write_atomic(tpath(path, sizeof(path), "no/such"), "x", 1,
				      0644, 0), AIS_ERROR);
	ais_buf_dispose(&b);
}

TEST(fs_mkdirs)
{
	char path[PATH_MAX];
	struct stat st;

	CHECK_INT(ais_fs_mkdirs(tpath(path, sizeof(path), "a/b/c"), 0755), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(ais_fs_mkdirs(path, 0755), 0);
	test_write("file", "x");
	CHECK_INT(ais_fs_mkdirs(tpath(path, sizeof(path), "file"), 0755), AIS_EINVALID);
	CHECK(strstr(last_message(), "is not a directory") != NULL);
	CHECK(ais_fs_mkdirs(tpath(path, sizeof(path), "file/sub"), 0755) < 0);
}

TEST(fs_private_dir)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct stat st;

	CHECK_INT(ais_fs_private_dir(tpath(path, sizeof(path), "state/aishell")), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0700);
	/* group- or world-writable: refused, with what to do */
	CHECK_INT(chmod(path, 0777), 0);
	CHECK_INT(ais_fs_private_dir(path), AIS_EINVALID);
	CHECK(strstr(last_message(), "writable by other users (mode 0777)") != NULL);
	CHECK(strstr(last_message(), "chmod go-w") != NULL);
	CHECK_INT(chmod(path, 0770), 0);
	CHECK_INT(ais_fs_private_dir(path), AIS_EINVALID);
	CHECK_INT(chmod(path, 0755), 0);
	CHECK_INT(ais_fs_private_dir(path), 0);
	/* a symbolic link, even to a good directory */
	CHECK_INT(symlink(path, tpath(link, sizeof(link), "link")), 0);
	CHECK_INT(ais_fs_private_dir(link), AIS_EINVALID);
	CHECK(strstr(last_message(), "is a symbolic link") != NULL);
	/* another user's directory */
	if (geteuid() == 0) {
		CHECK_INT(chmod(path, 0700), 0);
		CHECK_INT(chown(path, 65534, 65534), 0);
		CHECK_INT(ais_fs_private_dir(path), AIS_EINVALID);
	} else {
		CHECK_INT(ais_fs_private_dir("/"), AIS_EINVALID);
	}
	CHECK(strstr(last_message(), "belongs to another user") != NULL);
}

TEST(fs_self_exe)
{
	ais_buf b = AIS_BUF_INIT;
	char *real = realpath("/proc/self/exe", NULL);

	CHECK_INT(ais_fs_self_exe(&b), 0);
	CHECK_STR(ais_buf_cstr(&b), real);
	free(real);
	ais_buf_dispose(&b);
}

TEST(fs_which_skips_relative_entries)
{
	char dir[PATH_MAX], path[PATH_MAX + 8], cwd[PATH_MAX], *old;
	ais_buf b = AIS_BUF_INIT;
	struct stat st;

	old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	test_mkdir("bin");
	test_write("bin/tool", "#!/bin/sh\n");
	test_write("tool", "#!/bin/sh\n");
	CHECK_INT(chmod(tpath(path, sizeof(path), "tool"), 0755), 0);
	CHECK_INT(chmod(tpath(path, sizeof(path), "bin/tool"), 0755), 0);
	CHECK_INT(chdir(test_tmpdir()), 0);
	tpath(dir, sizeof(dir), "bin");
	/* the empty entry and "." mean the current directory: skipped */
	setenv("PATH", ":.:bin", 1);
	CHECK_INT(ais_fs_which(&b, "tool", NULL), AIS_ENOTFOUND);
	snprintf(path, sizeof(path), ".::%s", dir);
	setenv("PATH", path, 1);
	CHECK_INT(ais_fs_which(&b, "tool", NULL), 0);
	CHECK_STR(ais_buf_cstr(&b), tpath(path, sizeof(path), "bin/tool"));
	/* with `same`, another file of that name does not count */
	CHECK_INT(stat(tpath(path, sizeof(path), "tool"), &st), 0);
	CHECK_INT(ais_fs_which(&b, "tool", &st), AIS_ENOTFOUND);
	CHECK_INT(chdir(cwd), 0);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	ais_buf_dispose(&b);
}

typedef struct {
	int dirfd;
	char **names;
	struct stat *st;
	int *err;
} stat_names;

static void stat_name(void *arg, size_t i)
{
	stat_names *s = arg;

	s->err[i] = fstatat(s->dirfd, s->names[i], &s->st[i], AT_SYMLINK_NOFOLLOW) < 0
			    ? errno : 0;
}

/* fstatat() through ais_fs_stat_each() gives what it gives alone, entry by
 * entry, whether a helper takes a share or not; a name that is not there
 * is its errno. */
TEST(fs_stat_each_with_and_without_a_helper)
{
	enum { N = 300 };
	static char name_store[N][16];
	char *names[N], path[64], dir[8192];
	static struct stat st[N];
	static int err[N];
	ais_fs_stat_helper *helper = ais_fs_stat_helper_new();
	int dirfd, i, round;

	CHECK(helper != NULL);
	test_mkdir("many");
	for (i = 0; i < N; i++) {
		snprintf(name_store[i], sizeof(name_store[i]), "f%03d", i);
		names[i] = name_store[i];
		if (i == 123) /* not there */
			continue;
		memcpy(path, "many/", 5);
		memcpy(path + 5, name_store[i], strlen(name_store[i]) + 1);
		test_write(path, i % 2 ? "odd\n" : "");
	}
	snprintf(dir, sizeof(dir), "%s/many", test_tmpdir());
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dirfd >= 0);
	/* several rounds: the helper takes each job, or never comes to it */
	for (round = 0; round < 20; round++) {
		ais_fs_stat_helper *h = round % 2 ? helper : NULL;

		memset(st, 0, sizeof(st));
		memset(err, -1, sizeof(err));
		ais_fs_stat_each(h, N, stat_name, &(stat_names){ dirfd, names, st, err });
		for (i = 0; i < N; i++) {
			struct stat want;

			if (i == 123) {
				CHECK_INT(err[i], ENOENT);
				continue;
			}
			CHECK_INT(err[i], 0);
			CHECK_INT(fstatat(dirfd, names[i], &want, AT_SYMLINK_NOFOLLOW), 0);
			CHECK(st[i].st_ino == want.st_ino);
			CHECK_INT((int)st[i].st_size, i % 2 ? 4 : 0);
		}
	}
	/* fewer names than a take: the caller alone */
	ais_fs_stat_each(helper, 3, stat_name, &(stat_names){ dirfd, names, st, err });
	CHECK_INT(err[0] | err[1] | err[2], 0);
	close(dirfd);
	ais_fs_stat_helper_free(helper);
	ais_fs_stat_helper_free(NULL);
}

static void count_index(void *arg, size_t i)
{
	__atomic_add_fetch(&((int *)arg)[i], 1, __ATOMIC_RELAXED);
}

/* ais_fs_stat_each() runs the function once for each index, alone, with a
 * helper of its own and with the process's shared one. */
TEST(fs_stat_each_runs_each_index_once)
{
	enum { N = 5000 };
	static int seen[N];
	ais_fs_stat_helper *own = ais_fs_stat_helper_new();
	ais_fs_stat_helper *shared = ais_fs_stat_helper_shared();
	int i, round;

	CHECK(own != NULL);
	CHECK(shared != NULL);
	CHECK(ais_fs_stat_helper_shared() == shared);
	for (round = 0; round < 30; round++) {
		ais_fs_stat_helper *h = round % 3 == 0 ? NULL : round % 3 == 1 ? own : shared;
		size_t n = round % 2 ? N : 7; /* 7: fewer than a take, the caller alone */

		memset(seen, 0, sizeof(seen));
		ais_fs_stat_each(h, n, count_index, seen);
		for (i = 0; i < N; i++)
			if (seen[i] != ((size_t)i < n)) {
				CHECK_INT(seen[i], (size_t)i < n);
				break;
			}
	}
	ais_fs_stat_helper_free(own);
}

TEST(fs_links_point_each_later_name_at_the_first_sent)
{
	const ais_fs_id ids[] = {
		{ 1, 10 }, { 1, 11 }, { 1, 10 }, { 0, 0 }, { 2, 10 }, { 1, 11 }, { 1, 10 }, { 0, 0 },
	};
	const size_t no = AIS_FS_NO_LINK;
	size_t link[8], want[8] = { no, no, 0, no, no, 1, 0, no }, i;

	CHECK_INT(ais_fs_links(link, ids, 8), 0);
	for (i = 0; i < 8; i++)
		CHECK(link[i] == want[i]);
	/* the first of each is the earliest, whatever the sort does */
	CHECK_INT(ais_fs_links(link, ids + 1, 6), 0);
	CHECK(link[0] == no && link[1] == no && link[2] == no && link[3] == no &&
	      link[4] == 0 && link[5] == 1);
	CHECK_INT(ais_fs_links(link, ids, 0), 0);
}
