/*
 * bench/floor.c - what the machine itself costs, for bench/context.sh to
 * set beside `ensure --check` and `git status` in the same run.  Not part
 * of aishell.
 *
 *   floor walk DIR       list DIR's tree (getdents64, skipping .git) and
 *                        lstat every entry in it (fstatat), on two threads,
 *                        the stats running while the listing goes on: a
 *                        judgement of DIR can be no faster
 *   floor dlopen SONAME  load a shared library (RTLD_LAZY), as aishell
 *                        loads libcurl to talk to the engine
 *   floor none           nothing: the cost of a process
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
	int dirfd;
	char name[256];
} item;

static item *items;
static size_t cap;
static atomic_size_t listed, next;
static atomic_bool done;

static void add(int dirfd, const char *name)
{
	size_t n = atomic_load(&listed);

	if (n == cap) {
		/* Entries beyond the table are stat'ed here, on the listing
		 * thread. */
		struct stat st;

		fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW);
		return;
	}
	items[n].dirfd = dirfd;
	snprintf(items[n].name, sizeof(items[n].name), "%s", name);
	atomic_store(&listed, n + 1);
}

static void list(int fd)
{
	char buf[32768];
	long got;

	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
			    !strcmp(d->d_name, ".git"))
				continue;
			if (d->d_type == DT_DIR) {
				int sub = openat(fd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

				if (sub >= 0)
					list(sub); /* left open: entries refer to it */
			} else {
				add(fd, d->d_name);
			}
		}
	}
}

static void *stat_some(void *arg)
{
	struct stat st;

	(void)arg;
	for (;;) {
		size_t i = atomic_fetch_add(&next, 64), end;

		while (i + 64 > atomic_load(&listed) && !atomic_load(&done))
			sched_yield();
		end = atomic_load(&listed);
		if (i >= end)
			return NULL;
		if (end > i + 64)
			end = i + 64;
		for (; i < end; i++)
			fstatat(items[i].dirfd, items[i].name, &st, AT_SYMLINK_NOFOLLOW);
	}
}

int main(int argc, char **argv)
{
	pthread_t helper;
	int root;

	if (argc == 2 && !strcmp(argv[1], "none"))
		return 0;
	if (argc == 3 && !strcmp(argv[1], "dlopen"))
		return dlopen(argv[2], RTLD_LAZY | RTLD_LOCAL) ? 0 : 1;
	if (argc != 3 || strcmp(argv[1], "walk") != 0) {
		fprintf(stderr, "usage: floor walk DIR | dlopen SONAME | none\n");
		return 2;
	}
	if ((root = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror(argv[2]);
		return 1;
	}
	cap = 1 << 16;
	if (!(items = malloc(cap * sizeof(*items))))
		return 1;
	pthread_create(&helper, NULL, stat_some, NULL);
	list(root);
	atomic_store(&done, true);
	stat_some(NULL);
	pthread_join(helper, NULL);
	return 0;
}
