/*
 * buf.h - a growable, always NUL-terminated byte string.
 *
 * An ais_buf starts as AIS_BUF_INIT (no allocation).  Appending functions
 * return 0 or AIS_ENOMEM; on failure the buffer keeps its old contents.
 * ais_buf_dispose() frees the contents and resets the buffer to empty.
 */
#ifndef AIS_BUF_H
#define AIS_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
	char *ptr;
	size_t size;  /* bytes in use, not counting the NUL */
	size_t alloc; /* bytes allocated */
} ais_buf;

#define AIS_BUF_INIT { NULL, 0, 0 }

int ais_buf_grow(ais_buf *buf, size_t extra);
int ais_buf_put(ais_buf *buf, const void *data, size_t len);
int ais_buf_puts(ais_buf *buf, const char *s);
int ais_buf_putc(ais_buf *buf, char c);
int ais_buf_printf(ais_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ais_buf_vprintf(ais_buf *buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
int ais_buf_sets(ais_buf *buf, const char *s);

/* Copy up to `len` bytes of `buf` from *off into `out`, moving *off past
 * them: the number copied, 0 when *off is at the end.  For a buffer that
 * is handed out in pieces. */
size_t ais_buf_take(const ais_buf *buf, size_t *off, void *out, size_t len);

/* Drop the first `n` bytes, keeping the rest. */
void ais_buf_consume(ais_buf *buf, size_t n);
void ais_buf_clear(ais_buf *buf);
void ais_buf_dispose(ais_buf *buf);

/* Hand the string to the caller (free() it); the buffer becomes empty. */
char *ais_buf_detach(ais_buf *buf);

/* Append a whole file.  AIS_ENOTFOUND when it (or a parent) does not
 * exist, AIS_EINVALID when it is not a regular file. */
int ais_buf_read_file(ais_buf *out, const char *path);

/*
 * Append `name` quoted for a terminal the way git quotes paths
 * (core.quotePath): a name with control characters, '"', '\\' or bytes
 * from 0x7f up is put in double quotes with C escapes (\n, \t, ...) and
 * octal (\033, \303\251); any other name is appended unchanged.
 */
int ais_buf_quote_path(ais_buf *out, const char *name);

/* The contents, or "" for a buffer that never allocated. */
const char *ais_buf_cstr(const ais_buf *buf);

/*
 * Room for one more element in `array`, which holds `count` elements of
 * `size` bytes with room for `*alloc`: `array` itself when there is room,
 * else the array reallocated to twice the room (`first` elements when it
 * has none yet) and *alloc updated; NULL when out of memory (error set,
 * `array` and *alloc unchanged).
 */
void *ais_array_grow(void *array, size_t *alloc, size_t count, size_t size,
		     size_t first);

#endif
