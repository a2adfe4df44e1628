#include "buf.h"

#include "error.h"
#include "fsutil.h"

#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ais_buf_grow(ais_buf *buf, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > (size_t)-1 - buf->size - 1)
		return ais_error_set(AIS_ENOMEM, "out of memory");
	want = buf->size + extra + 1;
	if (want <= buf->alloc)
		return 0;
	n = buf->alloc ? buf->alloc : 64;
	while (n < want)
		n = n > (size_t)-1 / 2 ? want : n * 2;
	p = realloc(buf->ptr, n);
	AIS_CHECK_ALLOC(p);
	if (!buf->ptr)
		p[0] = '\0';
	buf->ptr = p;
	buf->alloc = n;
	return 0;
}

void *ais_array_grow(void *array, size_t *alloc, size_t count, size_t size,
		     size_t first)
{
	size_t n;
	void *p;

	if (count < *alloc)
		return array;
	n = *alloc ? *alloc : first ? first : 1;
	while (n <= count)
		n = n > (size_t)-1 / 2 ? (size_t)-1 : n * 2;
	if (size && n > (size_t)-1 / size) {
		ais_error_set(AIS_ENOMEM, "out of memory");
		return NULL;
	}
	if (!(p = realloc(array, n * size))) {
		ais_error_set(AIS_ENOMEM, "out of memory");
		return NULL;
	}
	*alloc = n;
	return p;
}

int ais_buf_put(ais_buf *buf, const void *data, size_t len)
{
	int error;

	if ((error = ais_buf_grow(buf, len)) < 0)
		return error;
	if (len)
		memcpy(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
	return 0;
}

int ais_buf_puts(ais_buf *buf, const char *s)
{
	return ais_buf_put(buf, s, strlen(s));
}

int ais_buf_putc(ais_buf *buf, char c)
{
	return ais_buf_put(buf, &c, 1);
}

int ais_buf_vprintf(ais_buf *buf, const char *fmt, va_list ap)
{
	va_list copy;
	size_t room;
	int n, error;

	/* Usually the text fits in the room already there: format once. */
	if ((error = ais_buf_grow(buf, 64)) < 0)
		return error;
	room = buf->alloc - buf->size;
	va_copy(copy, ap);
	n = vsnprintf(buf->ptr + buf->size, room, fmt, copy);
	va_end(copy);
	if (n < 0) {
		buf->ptr[buf->size] = '\0';
		return ais_error_set(AIS_ERROR, "bad format");
	}
	if ((size_t)n >= room) {
		if ((error = ais_buf_grow(buf, (size_t)n)) < 0) {
			buf->ptr[buf->size] = '\0';
			return error;
		}
		vsnprintf(buf->ptr + buf->size, (size_t)n + 1, fmt, ap);
	}
	buf->size += (size_t)n;
	return 0;
}

int ais_buf_printf(ais_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int error;

	va_start(ap, fmt);
	error = ais_buf_vprintf(buf, fmt, ap);
	va_end(ap);
	return error;
}

int ais_buf_sets(ais_buf *buf, const char *s)
{
	ais_buf_clear(buf);
	return ais_buf_puts(buf, s);
}

size_t ais_buf_take(const ais_buf *buf, size_t *off, void *out, size_t len)
{
	size_t n = *off < buf->size ? buf->size - *off : 0;

	if (n > len)
		n = len;
	if (n)
		memcpy(out, buf->ptr + *off, n);
	*off += n;
	return n;
}

void ais_buf_consume(ais_buf *buf, size_t n)
{
	if (n >= buf->size) {
		ais_buf_clear(buf);
		return;
	}
	memmove(buf->ptr, buf->ptr + n, buf->size - n);
	buf->size -= n;
	buf->ptr[buf->size] = '\0';
}

void ais_buf_clear(ais_buf *buf)
{
	buf->size = 0;
	if (buf->ptr)
		buf->ptr[0] = '\0';
}

void ais_buf_dispose(ais_buf *buf)
{
	free(buf->ptr);
	buf->ptr = NULL;
	buf->size = buf->alloc = 0;
}

char *ais_buf_detach(ais_buf *buf)
{
	char *p = buf->ptr;

	if (!p)
		p = calloc(1, 1);
	buf->ptr = NULL;
	buf->size = buf->alloc = 0;
	return p;
}

const char *ais_buf_cstr(const ais_buf *buf)
{
	return buf->ptr ? buf->ptr : "";
}

int ais_buf_read_file(ais_buf *out, const char *path)
{
	int fd, error;

	if ((fd = ais_fs_open_regular(path, 0, NULL)) < 0)
		return fd;
	error = ais_fs_read_fd(out, fd, 0);
	close(fd);
	return error;
}

int ais_buf_quote_path(ais_buf *out, const char *name)
{
	static const char letters[] = "abtnvfr"; /* \a (7) to \r (13) */
	const unsigned char *p;
	size_t old = out->size;
	int error;

	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			break;
	if (!*p)
		return ais_buf_puts(out, name);

	error = ais_buf_putc(out, '"');
	for (p = (const unsigned char *)name; *p && error == 0; p++) {
		if (*p >= '\a' && *p <= '\r')
			error = ais_buf_printf(out, "\\%c", letters[*p - '\a']);
		else if (*p == '"' || *p == '\\')
			error = ais_buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			error = ais_buf_printf(out, "\\%03o", *p);
		else
			error = ais_buf_putc(out, (char)*p);
	}
	if (error == 0)
		error = ais_buf_putc(out, '"');
	if (error < 0 && out->ptr) {
		out->size = old;
		out->ptr[old] = '\0';
	}
	return error;
}
