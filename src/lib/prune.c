#include "prune.h"

#include "buf.h"
#include "chain.h"
#include "error.h"
#include "hash.h"
#include "lock.h"

#include <cjson/cJSON.h>
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
		return ais_error_set(AIS_ENOMEM, AIS_ERROR_OS, "out of memory");
	if ((error = ais_buf_puts(&path, "/images/json?filters=")) < 0 ||
	    (error = ais_docker_urlencode(&path, d, text)) < 0 ||
	    (error = ais_docker_request(&status, &body, d, "GET", path.ptr, NULL)) < 0)
		goto done;
	if (status != 200) {
		error = ais_error_set(AIS_ERROR, AIS_ERROR_DOCKER,
				      "listing images failed: HTTP %ld", status);
		goto done;
	}
	*out = cJSON_ParseWithLength(ais_buf_cstr(&body), body.size);
	if (!cJSON_IsArray(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		error = ais_error_set(AIS_ERROR, AIS_ERROR_JSON,
				      "the engine's image list is not a JSON array");
	}
done:
	cJSON_free(text);
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
	return error;
}

static const char *str_item(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *label_of(const cJSON *img, const char *key)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(img, "Labels");
	const char *v = str_item(labels, key);

	return v && *v ? v : NULL;
}

static bool regular_file(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Why an ext image is no longer needed, or NULL when it is. */
static const char *ext_unneeded(const char *project)
{
	struct stat st;

	if (stat(project, &st) < 0 || !S_ISDIR(st.st_mode))
		return "project directory no longer exists";
	if (!regular_file(project, ".aishell/Dockerfile") &&
	    !regular_file(project, ".sandbox/Dockerfile"))
		return "project has no .aishell/Dockerfile or .sandbox/Dockerfile any more";
	return NULL;
}

/* Remove one candidate (unless dry run); a 409 keeps it with a note. */
static int prune_remove(ais_prune_item *item, ais_docker *d,
			const ais_prune_opts *opts)
{
	ais_buf path = AIS_BUF_INIT, body = AIS_BUF_INIT;
	ais_lock lock = AIS_LOCK_INIT;
	const char *ref = item->tag[0] ? item->tag : item->id;
	long status;
	int error = 0;

	if (opts->dry_run)
		return 0;
	if (item->tag[0] &&
	    (error = ais_lock_acquire(&lock, opts->lock_dir, item->tag,
				      opts->cancel, NULL, NULL)) < 0)
		return error;
	if ((error = ais_buf_printf(&path, "/images/%s", ref)) < 0 ||
	    (error = ais_docker_request(&status, &body, d, "DELETE", path.ptr,
					NULL)) < 0)
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
	ais_lock_release(&lock);
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
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
	ais_buf pattern = AIS_BUF_INIT, prefix = AIS_BUF_INIT;
	int error = 0;

	ais_buf_printf(&pattern, "%s:ext-*", opts->repo);
	ais_buf_printf(&prefix, "%s:ext-", opts->repo);
	if ((error = list_images(&list, d, "reference", ais_buf_cstr(&pattern),
				 NULL)) < 0)
		goto done;
	cJSON_ArrayForEach(img, list) {
		const char *id = str_item(img, "Id");
		const char *project = label_of(img, AIS_LABEL_PROJECT_DIR);

		cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(img, "RepoTags")) {
			const char *t = cJSON_IsString(tag) ? tag->valuestring : "";
			const char *why;
			char h[AIS_H12_LEN + 1];

			if (!(t = tag_with_prefix(t, &prefix)))
				continue;
			/* The label must belong to this tag (ext-<H12(project)>). */
			if (!project || ais_hash_h12(h, project, strlen(project)) < 0 ||
			    strcmp(t + prefix.size, h) != 0)
				continue;
			if (!(why = ext_unneeded(project)))
				continue;
			if ((error = prune_add(res, id, t, project, why)) < 0 ||
			    (error = prune_remove(&res->items[res->count - 1], d, opts)) < 0)
				goto done;
		}
	}
done:
	cJSON_Delete(list);
	ais_buf_dispose(&pattern);
	ais_buf_dispose(&prefix);
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
		const char *id = str_item(img, "Id");

		if (!id || already_listed(res, id))
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
