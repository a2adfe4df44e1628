/*
 * lazy_curl.c - the libcurl functions aishell calls, forwarded to libcurl
 * opened on first use (see lazy.h): only a command that talks to the
 * engine needs it, and libcurl (with the TLS, SSH, LDAP, Kerberos and
 * HTTP/2 libraries it links) costs more to load than all the rest of a
 * run that does not.  Loading it also runs curl_global_init(), once.
 *
 * curl_easy_setopt() and curl_easy_getinfo() take their value through
 * `...`; libcurl has no va_list variant, so the value is read here by the
 * type its number encodes (CURLOPTTYPE_* and CURLINFO_*, as libcurl reads
 * it) and passed on as that type.
 */
/* The typecheck macros of <curl/curl.h> would expand the definitions. */
#define CURL_DISABLE_TYPECHECK
#include "error.h"
#include "lazy.h"

#include <curl/curl.h>
#include <stdarg.h>

#define CURL_FUNCS(F, V, H)                                                 \
	H(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT) \
	V(void, curl_global_cleanup, (void), (), )                          \
	H(CURL *, curl_easy_init, (void), (), NULL)                         \
	V(void, curl_easy_cleanup, (CURL *curl), (curl), )                  \
	V(void, curl_easy_reset, (CURL *curl), (curl), )                    \
	F(CURLcode, curl_easy_perform, (CURL *curl), (curl), CURLE_FAILED_INIT) \
	H(CURLcode, curl_easy_setopt, (CURL *curl, CURLoption option, ...), \
	  (), CURLE_FAILED_INIT)                                            \
	H(CURLcode, curl_easy_getinfo, (CURL *curl, CURLINFO info, ...),    \
	  (), CURLE_FAILED_INIT)                                            \
	H(const char *, curl_easy_strerror, (CURLcode code), (code), NULL)  \
	F(char *, curl_easy_escape,                                         \
	  (CURL *curl, const char *string, int length),                     \
	  (curl, string, length), NULL)                                     \
	V(void, curl_free, (void *p), (p), )                                \
	F(struct curl_slist *, curl_slist_append,                           \
	  (struct curl_slist *list, const char *data), (list, data), NULL)  \
	V(void, curl_slist_free_all, (struct curl_slist *list), (list), )  \
	F(CURLcode, curl_easy_send,                                         \
	  (CURL *curl, const void *buffer, size_t buflen, size_t *n),       \
	  (curl, buffer, buflen, n), CURLE_FAILED_INIT)                     \
	F(CURLcode, curl_easy_recv,                                         \
	  (CURL *curl, void *buffer, size_t buflen, size_t *n),             \
	  (curl, buffer, buflen, n), CURLE_FAILED_INIT)

AIS_LAZY_LIBRARY(CURL_FUNCS, "libcurl", AIS_CURL_SONAME)

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	global_rc = fn.curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl loaded and initialised, once for the process. */
static bool curl_loaded(void)
{
	if (!ais_lazy_load(&lib))
		return false;
	pthread_once(&global_once, global_init);
	return global_rc == CURLE_OK;
}

int ais_curl_ready(void)
{
	int error = ais_lazy_ready(&lib);

	if (error == 0 && !curl_loaded())
		error = ais_error_set(AIS_ERROR, "cannot initialise libcurl: %s",
				      fn.curl_easy_strerror(global_rc));
	return error;
}

/* Run by loading libcurl; kept for callers written against libcurl. */
CURLcode curl_global_init(long flags)
{
	(void)flags; /* always CURL_GLOBAL_DEFAULT, from curl_loaded() */
	return curl_loaded() ? CURLE_OK : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return curl_loaded() ? fn.curl_easy_init() : NULL;
}

typedef void (*curl_any_fn)(void);

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	CURLcode rc;
	va_list ap;

	if (!curl_loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, curl_any_fn));
	else if (option < CURLOPTTYPE_BLOB)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Whatever its type, the value is a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	void *answer;
	va_list ap;

	va_start(ap, info);
	answer = va_arg(ap, void *);
	va_end(ap);
	return curl_loaded() ? fn.curl_easy_getinfo(curl, info, answer)
			     : CURLE_FAILED_INIT;
}

const char *curl_easy_strerror(CURLcode code)
{
	if (!ais_lazy_loaded(&lib))
		return "libcurl is not loaded";
	return fn.curl_easy_strerror(code);
}
