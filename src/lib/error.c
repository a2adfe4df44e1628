#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local ais_error last_error;

static void error_vset(int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void error_vset(int code, const char *fmt, va_list ap)
{
	last_error.code = code;
	vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
}

int ais_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(code, fmt, ap);
	va_end(ap);
	return code;
}

int ais_error_set_os(int code, int errno_value, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	error_vset(code, fmt, ap);
	va_end(ap);
	len = strlen(last_error.message);
	snprintf(last_error.message + len, sizeof(last_error.message) - len,
		 ": %s", strerror(errno_value));
	return code;
}

const ais_error *ais_error_last(void)
{
	return &last_error;
}

void ais_error_clear(void)
{
	memset(&last_error, 0, sizeof(last_error));
}
