/*
 * fsutil.h - the file-system helpers every module uses: opening a file that
 * must be regular, reading it, replacing it atomically, creating (private)
 * directories and finding binaries.
 *
 * A project's files come from anyone (a branch, an agent in a container that
 * mounts the project), so each helper refuses what a plain open() or fopen()
 * would silently accept: a FIFO that blocks the reader, a symlink that sends
 * a write somewhere else, a directory that another user controls.
 */
#ifndef AIS_FSUTIL_H
#define AIS_FSUTIL_H

#include "buf.h"

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Flags for the helpers below. */
enum {
	/* open: refuse a symbolic link as the last component. */
	AIS_FS_NOFOLLOW = 1u << 0,
	/* write_atomic: fsync the directory after the rename. */
	AIS_FS_SYNC_DIR = 1u << 1,
	/* write_atomic: when `path` is a symbolic link, replace the file it
	 * points to (default: refuse). */
	AIS_FS_FOLLOW_LINK = 1u << 2,
	/* write_atomic: an existing file keeps its permission bits. */
	AIS_FS_KEEP_MODE = 1u << 3
};

/*
 * Open `path` read-only for reading a regular file.  The open never blocks
 * (O_NONBLOCK, cleared again once fstat() has shown a regular file), so a
 * FIFO or device is refused instead of hanging the caller.  Returns the fd
 * (O_CLOEXEC) and fills `st` if non-NULL; AIS_ENOTFOUND when the file or a
 * parent does not exist, AIS_EINVALID when it is not a regular file (or a
 * symbolic link, with AIS_FS_NOFOLLOW), AIS_ERROR otherwise.
 */
int ais_fs_open_regular(const char *path, unsigned flags, struct stat *st);

/* The same, for `name` relative to the directory fd `dirfd`. */
int ais_fs_openat_regular(int dirfd, const char *name, unsigned flags,
			  struct stat *st);

/*
 * read(2) up to `len` bytes, retrying on EINTR.  Returns the byte count
 * (0 at end of file) or a negative AIS_E* code.
 */
ssize_t ais_fs_read(int fd, void *data, size_t len);

/*
 * Append everything left in `fd` to `out`.  `max` limits the bytes read
 * (0: no limit); more is an AIS_EINVALID "too large" error.
 */
int ais_fs_read_fd(ais_buf *out, int fd, size_t max);

/* write(2) all `len` bytes, retrying on EINTR and short writes. */
int ais_fs_write_all(int fd, const void *data, size_t len);

/*
 * Replace `path` with `len` bytes at `data`: a temporary file made by
 * mkstemp() in the same directory, written in full, given `mode` (less the
 * umask; with AIS_FS_KEEP_MODE an existing file's mode), fsync()ed and
 * renamed over `path`.  On any failure `path` is unchanged and the
 * temporary file is removed.  A symbolic link at `path` is refused unless
 * AIS_FS_FOLLOW_LINK; anything else that is not a regular file is refused.
 * The directory must exist.
 */
int ais_fs_write_atomic(const char *path, const void *data, size_t len,
			mode_t mode, unsigned flags);

/* mkdir -p: create `dir` and its missing parents with `mode`. */
int ais_fs_mkdirs(const char *dir, mode_t mode);
#define ais_mkdirs ais_fs_mkdirs

/*
 * A directory for this user's state or cache: created (with its parents)
 * mode 0700 if missing; refused when it is a symbolic link or not a
 * directory, is owned by another user, or is writable by group or others.
 */
int ais_fs_private_dir(const char *dir);

/* The absolute path of the running binary (/proc/self/exe). */
int ais_fs_self_exe(ais_buf *out);

/*
 * The first executable regular file `name` in an absolute directory of
 * $PATH (relative entries, including the empty one, are skipped).  With
 * `same` non-NULL, only a file with the same device and inode counts.
 * AIS_ENOTFOUND if there is none.
 */
int ais_fs_which(ais_buf *out, const char *name, const struct stat *same);

/* A file's identity: two names with the same are hard links to one file.
 * { 0, 0 } is none (no file has inode 0). */
typedef struct {
	unsigned long long dev, ino;
} ais_fs_id;

#define AIS_FS_NO_LINK ((size_t)-1)

/* Hard links among `n` names in the order they are sent, `ids[i]` the file
 * the i-th one names, or none: link[i] gets the index of the first name
 * before it of the same file, AIS_FS_NO_LINK for the first name of each
 * file and for none.  The docker CLI (its context tar, and fsutil through
 * a BuildKit session) sends that first name with the data and each later
 * one as a link to it. */
int ais_fs_links(size_t *link, const ais_fs_id *ids, size_t n);

/* A file time in nanoseconds since the epoch, as the stat caches keep it. */
long long ais_fs_time_ns(const struct timespec *ts);

/*
 * A helper thread for stat work.  ais_fs_stat_each() calls fn(arg, i) for
 * each i < n; with a helper, both threads take a few indexes at a time
 * until none is left, so the helper's share is whatever it gets to: when
 * it is not scheduled, the caller does all of them.  A walk of an
 * unchanged tree is one fstatat() per entry, and the second core otherwise
 * waits.  `fn` must be safe to run on two threads at once for different
 * indexes.  The helper blocks every signal.
 */
typedef struct ais_fs_stat_helper ais_fs_stat_helper;

/* NULL (and no error state) when no thread can be made: stat alone. */
ais_fs_stat_helper *ais_fs_stat_helper_new(void);
void ais_fs_stat_helper_free(ais_fs_stat_helper *h);

/* The process's helper, made on the first call (NULL when no thread can
 * be made) and kept until exit() (an atexit() handler ends it).  Best made before another
 * thread starts loading a library: pthread_create() waits while a
 * dlopen() runs (glibc holds the loader's lock for both). */
ais_fs_stat_helper *ais_fs_stat_helper_shared(void);
void ais_fs_stat_each(ais_fs_stat_helper *h, size_t n,
		      void (*fn)(void *arg, size_t i), void *arg);

#endif
