#include "prune.h"

#include "buf.h"
#include "chain.h"
#include "error.h"
#include "hash.h"
#include "lock.h"
#include "origin.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int prune_add(ais_prune_result *res, const char *id, const char *tag,
		     const char *project, const char *reason)
{
	ais_prune_item *p = realloc(res->items, (res->count + 1) * sizeof(*p));

	AIS_CHECK_ALLOC(p);
	res->items = p;
	p = &res->items[res->count++];
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", id ? id : "");
	snprintf(p->tag, sizeof(p->tag), "%s", tag ? tag : "");
	snprintf(p->project, sizeof(p->project), "%s", project ? project : "");
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	p->outcome = AIS_PRUNE_REMOVED;
	return 0;
}

/* GET /images/json with filters given as key, value, ..., NULL (each key
 * once, with one value: {"key":["value"], ...}). */
static int list_images(cJSON **out, ais_docker *d, ...)
{
	ais_buf path = AIS_BUF_INIT, body = AIS_BUF_INIT;
	cJSON *filters = cJSON_CreateObject();
	const char *key;
	char *text = NULL;
	va_list ap;
	long status;
	int error;

	*out = NULL;
	va_start(ap, d);
	while (filters && (key = va_arg(ap, const char *)) != NULL) {
		cJSON *arr = cJSON_AddArrayToObject(filters, key);

		if (!arr || !cJSON_AddItemToArray(arr, cJSON_CreateString(va_arg(ap, const char *)))) {
			cJSON_Delete(filters);
			filters = NULL;
		}
	}
	va_end(ap);
	text = filters ? cJSON_PrintUnformatted(filters) : NULL;
	cJSON_Delete(filters);
	if (!text)
		return ais_error_set(AIS_ENOMEM, "out of memory");
	if ((error = ais_buf_puts(&path, "/images/json?filters=")) < 0 ||
	    (error = ais_docker_urlencode(&path, d, text)) < 0 ||
	    (error = ais_docker_request(&status, &body, d, "GET", path.ptr, NULL)) < 0)
		goto done;
	if (status != 200) {
		error = ais_error_set(AIS_ERROR,
				      "listing images failed: HTTP %ld", status);
		goto done;
	}
	*out = cJSON_ParseWithLength(ais_buf_cstr(&body), body.size);
	if (!cJSON_IsArray(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		error = ais_error_set(AIS_ERROR,
				      "the engine's image list is not a JSON array");
	}
done:
	cJSON_free(text);
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
	return error;
}

static const char *label_of(const cJSON *img, const char *key)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(img, "Labels");
	const char *v = ais_docker_json_str(labels, key);

	return v && *v ? v : NULL;
}

typedef enum {
	EXT_NEEDED,
	EXT_UNNEEDED,
	EXT_UNKNOWN  /* cannot be told: kept, with the reason */
} ext_state;

/* Only "no such file" and "not a directory" mean a path is gone; any
 * other failure (another user's 0700 directory, an unmounted drive, a
 * container that shares the socket but not the file system) says nothing. */
static bool gone(int err)
{
	return err == ENOENT || err == ENOTDIR;
}

/* Whether the ext image of `project` is still needed; `why` says why not. */
static ext_state ext_check(char *why, size_t len, const char *project)
{
	static const char *const dockerfiles[] = {
		".aishell/Dockerfile", ".sandbox/Dockerfile"
	};
	char path[4200];
	struct stat st;
	size_t i;

	if (stat(project, &st) < 0 && !gone(errno)) {
		snprintf(why, len, "cannot check the project directory: %s",
			 strerror(errno));
		return EXT_UNKNOWN;
	}
	if (stat(project, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "project directory no longer exists");
		return EXT_UNNEEDED;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", project, dockerfiles[i]);
		if (stat(path, &st) == 0) {
			if (S_ISREG(st.st_mode))
				return EXT_NEEDED;
		} else if (!gone(errno)) {
			snprintf(why, len, "cannot check '%s': %s", path,
				 strerror(errno));
			return EXT_UNKNOWN;
		}
	}
	snprintf(why, len, "project has no .aishell/Dockerfile or .sandbox/Dockerfile any more");
	return EXT_UNNEEDED;
}

const char *ais_prune_ext_unneeded(char *why, size_t len, const char *project)
{
	return ext_check(why, len, project) == EXT_UNNEEDED ? why : NULL;
}

/* Remove one candidate (unless dry run); a 409 keeps it with a note. */
static int prune_remove(ais_prune_item *item, ais_docker *d,
			const ais_prune_opts *opts)
{
	ais_buf body = AIS_BUF_INIT;
	const char *ref = item->tag[0] ? item->tag : item->id;
	long status;
	int error = 0;

	if (opts->dry_run)
		return 0;
	if ((error = ais_docker_image_delete(&status, &body, d, ref)) < 0)
		goto done;
	if (status == 409) {
		item->outcome = AIS_PRUNE_KEPT;
		snprintf(item->reason, sizeof(item->reason),
			 "in use (a container or another tag refers to it)");
	} else if (status != 200 && status != 404) {
		item->outcome = AIS_PRUNE_KEPT;
		snprintf(item->reason, sizeof(item->reason),
			 "the engine refused: HTTP %ld", status);
	}
done:
	ais_buf_dispose(&body);
	return error;
}

/*
 * Judge one ext tag, and remove it if it is no longer needed.  The decision
 * is taken under the tag's lock (an ensure holds it while it builds and
 * moves the tag), against what the tag names then: an ensure that ran
 * meanwhile may have moved it, or brought the project back.
 */
static int prune_ext_tag(ais_prune_result *res, ais_docker *d,
			 const ais_prune_opts *opts, const char *id,
			 const char *tag, const char *project)
{
	ais_lock lock = AIS_LOCK_INIT;
	ais_image *img = NULL;
	ais_prune_item *item;
	ext_state state;
	char why[4400];
	int error = 0;

	if (!opts->dry_run) {
		if ((error = ais_lock_acquire(&lock, opts->lock_dir, tag,
					      opts->cancel, opts->on_event,
					      opts->payload)) < 0)
			return error;
		error = ais_docker_image_inspect(&img, d, tag);
		if (error == AIS_ENOTFOUND) {
			ais_error_clear();
			error = 0;
			goto done;
		}
		if (error < 0 || strcmp(ais_image_id(img), id) != 0)
			goto done;
	}
	if ((state = ext_check(why, sizeof(why), project)) == EXT_NEEDED)
		goto done;
	if ((error = prune_add(res, id, tag, project, why)) < 0)
		goto done;
	item = &res->items[res->count - 1];
	if (state == EXT_UNKNOWN)
		item->outcome = AIS_PRUNE_KEPT;
	else
		error = prune_remove(item, d, opts);
done:
	ais_image_free(img);
	ais_lock_release(&lock);
	return error;
}

/*
 * `tag` without the registry podman's Docker API puts in front of a short
 * name ("docker.io/library/x:t" for "x:t", "docker.io/u/x:t" for "u/x:t",
 * "localhost/x:t" for its own builds) when that is what matches `prefix`;
 * NULL when it does not match either way.
 */
static const char *tag_with_prefix(const char *tag, const ais_buf *prefix)
{
	static const char *const registries[] = { "docker.io/library/",
						  "docker.io/", "localhost/" };
	size_t i, n;

	if (strncmp(tag, prefix->ptr, prefix->size) == 0)
		return tag;
	for (i = 0; i < sizeof(registries) / sizeof(registries[0]); i++) {
		n = strlen(registries[i]);
		if (strncmp(tag, registries[i], n) == 0 &&
		    strncmp(tag + n, prefix->ptr, prefix->size) == 0)
			return tag + n;
	}
	return NULL;
}

static int prune_ext(ais_prune_result *res, ais_docker *d,
		     const ais_prune_opts *opts)
{
	cJSON *list = NULL;
	const cJSON *img, *tag;
	ais_buf pattern = AIS_BUF_INIT, prefix = AIS_BUF_INIT, recorded = AIS_BUF_INIT;
	int error = 0;

	ais_buf_printf(&pattern, "%s:ext-*", opts->repo);
	ais_buf_printf(&prefix, "%s:ext-", opts->repo);
	if ((error = list_images(&list, d, "reference", ais_buf_cstr(&pattern),
				 NULL)) < 0)
		goto done;
	cJSON_ArrayForEach(img, list) {
		const char *id = ais_docker_json_str(img, "Id");

		if (!ais_docker_id_valid(id))
			continue;

		cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(img, "RepoTags")) {
			const char *t = cJSON_IsString(tag) ? tag->valuestring : "";
			const char *project = label_of(img, AIS_LABEL_PROJECT_DIR);
			char h[AIS_H12_LEN + 1];

			if (!(t = tag_with_prefix(t, &prefix)))
				continue;
			/* This machine's record first; no record and no
			 * label: not known here, so kept. */
			if (ais_origin_project(&recorded, opts->state_dir,
					       t + prefix.size) == 0)
				project = recorded.ptr;
			/* The label must belong to this tag (ext-<H12(project)>). */
			if (!project || ais_hash_h12(h, project, strlen(project)) < 0 ||
			    strcmp(t + prefix.size, h) != 0)
				continue;
			if ((error = prune_ext_tag(res, d, opts, id, t, project)) < 0)
				goto done;
		}
	}
done:
	cJSON_Delete(list);
	ais_buf_dispose(&pattern);
	ais_buf_dispose(&prefix);
	ais_buf_dispose(&recorded);
	return error;
}

static bool already_listed(const ais_prune_result *res, const char *id)
{
	size_t i;

	for (i = 0; i < res->count; i++)
		if (!strcmp(res->items[i].id, id))
			return true;
	return false;
}

/* Dangling images with `label` (a filter "key" or "key=value"). */
static int prune_dangling(ais_prune_result *res, ais_docker *d,
			  const ais_prune_opts *opts, const char *label,
			  bool require_no_repo)
{
	cJSON *list = NULL;
	const cJSON *img;
	int error = 0;

	if ((error = list_images(&list, d, "dangling", "true", "label", label,
				 NULL)) < 0)
		goto done;
	cJSON_ArrayForEach(img, list) {
		const char *id = ais_docker_json_str(img, "Id");

		if (!ais_docker_id_valid(id) || already_listed(res, id))
			continue;
		/* Another repository's chain (tests, side-by-side setups). */
		if (require_no_repo && label_of(img, AIS_LABEL_REPO) &&
		    strcmp(label_of(img, AIS_LABEL_REPO), opts->repo) != 0)
			continue;
		if ((error = prune_add(res, id, NULL, label_of(img, AIS_LABEL_PROJECT_DIR),
				       "untagged image left behind by the chain")) < 0 ||
		    (error = prune_remove(&res->items[res->count - 1], d, opts)) < 0)
			goto done;
	}
done:
	cJSON_Delete(list);
	return error;
}

int ais_prune(ais_prune_result *out, ais_docker *d, const ais_prune_opts *opts)
{
	ais_buf label = AIS_BUF_INIT;
	int error;

	memset(out, 0, sizeof(*out));
	ais_buf_printf(&label, "%s=%s", AIS_LABEL_REPO, opts->repo);
	if ((error = prune_ext(out, d, opts)) < 0 ||
	    (error = prune_dangling(out, d, opts, ais_buf_cstr(&label), false)) < 0)
		goto done;
	/* The original tool labels no repository: in the default repository,
	 * its untagged base and ext builds are ours to clean too. */
	if (!strcmp(opts->repo, "aishell") &&
	    ((error = prune_dangling(out, d, opts, AIS_LABEL_BASE_ID, true)) < 0 ||
	     (error = prune_dangling(out, d, opts, AIS_LABEL_BASE_DOCKERFILE_HASH,
				     true)) < 0))
		goto done;
done:
	ais_buf_dispose(&label);
	return error;
}

void ais_prune_result_dispose(ais_prune_result *res)
{
	free(res->items);
	memset(res, 0, sizeof(*res));
}
