#include "lazy.h"

#include "error.h"

#include <dlfcn.h>
#include <stdio.h>

static int lazy_open(ais_lazy *lib)
{
	void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!handle) {
		snprintf(lib->error, sizeof(lib->error), "%s", dlerror());
		return -1;
	}
	for (i = 0; i < lib->count; i++) {
		void *p = dlsym(handle, lib->symbols[i].name);

		if (!p) {
			snprintf(lib->error, sizeof(lib->error),
				 "%s: no symbol '%s'", lib->soname,
				 lib->symbols[i].name);
			dlclose(handle);
			return -1;
		}
		*lib->symbols[i].slot = p;
	}
	/* The handle stays open for the life of the process. */
	return 1;
}

bool ais_lazy_load(ais_lazy *lib)
{
	int state = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);

	if (state == 0) {
		pthread_mutex_lock(&lib->lock);
		state = lib->state;
		if (state == 0) {
			state = lazy_open(lib);
			__atomic_store_n(&lib->state, state, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&lib->lock);
	}
	return state > 0;
}

bool ais_lazy_loaded(ais_lazy *lib)
{
	return __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE) > 0;
}

int ais_lazy_ready(ais_lazy *lib)
{
	if (ais_lazy_load(lib))
		return 0;
	return ais_error_set(AIS_ERROR, "cannot load %s: %s",
			     lib->name, lib->error);
}

const char *ais_lazy_error(const ais_lazy *lib)
{
	return lib->error;
}

const ais_lazy_info *ais_lazy_libraries(size_t *count)
{
	static const ais_lazy_info libs[] = {
		{ "libcurl", AIS_CURL_VERSION, AIS_CURL_SONAME },
		{ "libarchive", AIS_LIBARCHIVE_VERSION, AIS_LIBARCHIVE_SONAME },
		{ "libyaml", AIS_YAML_VERSION, AIS_YAML_SONAME },
		{ "libgit2", AIS_LIBGIT2_VERSION, AIS_LIBGIT2_SONAME },
		{ "protobuf-c", AIS_PROTOBUF_C_VERSION, AIS_PROTOBUF_C_SONAME },
		{ "nghttp2", AIS_NGHTTP2_VERSION, AIS_NGHTTP2_SONAME },
	};

	*count = sizeof(libs) / sizeof(libs[0]);
	return libs;
}
