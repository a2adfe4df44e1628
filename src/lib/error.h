/*
 * error.h - the library's error codes and its thread-local last error.
 *
 * Fallible functions return 0 on success or a negative AIS_E* code.  The
 * one-line message describing the failure is set once, where the failure
 * is detected, with ais_error_set(); callers propagate the code untouched
 * and the CLI prints ais_error_last()->message.  The code is all a caller
 * decides by (the CLI: AIS_EUNAVAILABLE exits 3, AIS_EINTERRUPTED 128+sig).
 */
#ifndef AIS_ERROR_H
#define AIS_ERROR_H

#include <stddef.h>

typedef enum {
	AIS_OK = 0,
	AIS_ERROR = -1,        /* generic failure */
	AIS_ENOTFOUND = -2,    /* image, label or file absent */
	AIS_EUNAVAILABLE = -3, /* Docker engine unreachable */
	AIS_EINVALID = -4,     /* bad input: config, Dockerfile, argument */
	AIS_ENOMEM = -5,       /* allocation failed */
	AIS_EBUILD = -6,       /* an image build failed */
	AIS_EINTERRUPTED = -7  /* cancelled by a signal */
} ais_error_code;

typedef struct {
	int code;
	char message[1024];
} ais_error;

/* Record `code` and a printf-style message; returns `code` for chaining. */
int ais_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like ais_error_set, with ": strerror(errno_value)" appended. */
int ais_error_set_os(int code, int errno_value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The last error recorded on this thread (never NULL; code 0 if none). */
const ais_error *ais_error_last(void);

void ais_error_clear(void);

#define AIS_CHECK_ALLOC(p)                                                  \
	do {                                                                \
		if ((p) == NULL)                                            \
			return ais_error_set(AIS_ENOMEM, "out of memory");  \
	} while (0)

#endif
