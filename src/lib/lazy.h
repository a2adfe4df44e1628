/*
 * lazy.h - shared libraries opened with dlopen() on first use.
 *
 * libcurl, libgit2, libyaml, protobuf-c and nghttp2 are not linked: many
 * runs never call them (`--version` and `hooks install` need no engine; a
 * no-op `ensure`, `status` and a git hook with nothing stale need no
 * libgit2, libyaml, protobuf-c or nghttp2), and loading them costs every
 * run.  lazy_curl.c, lazy_git2.c, lazy_yaml.c, lazy_protobuf_c.c and
 * lazy_nghttp2.c define the functions of each library that aishell calls,
 * with the prototypes of its header; each one opens the library by its
 * soname on its first call and forwards to it.  When the library cannot
 * be loaded, the forwarders fail the way the library reports failure
 * (libcurl: NULL handles and CURLE_FAILED_INIT; libgit2: -1 and
 * git_error_last(); libyaml: 0; protobuf-c: NULL; nghttp2:
 * NGHTTP2_ERR_FATAL or NULL), and callers that want the reason in one line
 * ask ais_curl_ready() / ais_yaml_ready() / ais_protobuf_c_ready() /
 * ais_nghttp2_ready() first.
 * (libarchive is loaded the same way by context.c.)
 */
#ifndef AIS_LAZY_H
#define AIS_LAZY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *name; /* the symbol dlsym() looks up */
	void **slot;      /* where its address goes */
} ais_lazy_symbol;

typedef struct {
	const char *name;   /* "libgit2", for messages */
	const char *soname; /* what dlopen() is given */
	const ais_lazy_symbol *symbols;
	size_t count;
	pthread_mutex_t lock;
	int state;          /* 0 not tried, 1 loaded, -1 failed (see error) */
	char error[512];
} ais_lazy;

#define AIS_LAZY_INIT(name, soname, symbols)                                \
	{ name, soname, symbols, sizeof(symbols) / sizeof(symbols[0]),      \
	  PTHREAD_MUTEX_INITIALIZER, 0, "" }

/* Open the library and resolve every symbol, once; later calls return
 * the first result at once.  True when all of it is there. */
bool ais_lazy_load(ais_lazy *lib);

/* Whether `lib` is loaded, without trying to load it. */
bool ais_lazy_loaded(ais_lazy *lib);

/* ais_lazy_load(), as 0, or AIS_ERROR and the message
 * "cannot load <name>: <dlerror>". */
int ais_lazy_ready(ais_lazy *lib);

/* Why `lib` could not be loaded ("" if it was, or was not tried). */
const char *ais_lazy_error(const ais_lazy *lib);

/*
 * The forwarders.  A lazy_<library>.c lists the functions it forwards as
 * LIST(F, V, H), one F(ret, name, (params), (args), fail) per function
 * that returns a value (`fail` when the library cannot be loaded), V(...)
 * per void function (skipped unless the library is loaded: it can only be
 * given what the library made) and H(...) per function forwarded by hand,
 * then says
 *
 *   AIS_LAZY_LIBRARY(LIST, "libfoo", AIS_LIBFOO_SONAME)
 *
 * which defines the table of pointers `fn`, the ais_lazy `lib` and the
 * F and V forwarders; the H ones call fn.<name> after ais_lazy_load(&lib).
 * The header's prototype and the forwarder's must agree, or the build fails.
 */
#define AIS_LAZY_POINTER(ret, name, params, args, fail) __typeof__(&name) name;
#define AIS_LAZY_SYMBOL(ret, name, params, args, fail) { #name, (void **)&fn.name },
#define AIS_LAZY_FORWARD(ret, name, params, args, fail)                    \
	ret name params                                                     \
	{                                                                   \
		if (!ais_lazy_load(&lib))                                   \
			return fail;                                        \
		return fn.name args;                                        \
	}
#define AIS_LAZY_FORWARD_VOID(ret, name, params, args, fail)               \
	ret name params                                                     \
	{                                                                   \
		if (ais_lazy_loaded(&lib))                                  \
			fn.name args;                                       \
	}
#define AIS_LAZY_BY_HAND(ret, name, params, args, fail)

#define AIS_LAZY_LIBRARY(LIST, name, soname)                                \
	static struct {                                                     \
		LIST(AIS_LAZY_POINTER, AIS_LAZY_POINTER, AIS_LAZY_POINTER)  \
	} fn;                                                               \
	static const ais_lazy_symbol symbols[] = {                          \
		LIST(AIS_LAZY_SYMBOL, AIS_LAZY_SYMBOL, AIS_LAZY_SYMBOL)     \
	};                                                                  \
	static ais_lazy lib = AIS_LAZY_INIT(name, soname, symbols);         \
	LIST(AIS_LAZY_FORWARD, AIS_LAZY_FORWARD_VOID, AIS_LAZY_BY_HAND)

/* 0 when libcurl (loaded and curl_global_init() run) / libyaml /
 * protobuf-c / nghttp2 is loaded, else AIS_ERROR with the reason. */
int ais_curl_ready(void);
int ais_yaml_ready(void);
int ais_protobuf_c_ready(void);
int ais_nghttp2_ready(void);

/* Record libgit2's last error as ours, "<what>: <its message>" (libgit2's
 * own when it could not be loaded); returns `code`. */
int ais_git_error(int code, const char *what);

/* A library aishell opens on first use, for `aishell version`: the version
 * its headers had at build time and the soname it will be loaded from. */
typedef struct {
	const char *name;
	const char *built_version;
	const char *soname;
} ais_lazy_info;

/* The libraries opened on first use (libcurl, libarchive, libyaml,
 * libgit2, protobuf-c, nghttp2), without loading any of them. */
const ais_lazy_info *ais_lazy_libraries(size_t *count);

#endif
