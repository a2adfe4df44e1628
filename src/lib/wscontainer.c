#include "wscontainer.h"

#include "error.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

static int engine_error(long status, const ais_buf *body, const char *what)
{
	ais_buf msg = AIS_BUF_INIT;
	int error;

	error = ais_error_set(status == 404 ? AIS_ENOTFOUND : AIS_ERROR, "%s: %s (HTTP %ld)", what,
			      ais_docker_error_message(&msg, body), status);
	ais_buf_dispose(&msg);
	return error;
}

bool ais_wscontainer_parse_time(const char *s, long long *sec, long *nsec)
{
	struct tm tm = { 0 };
	const char *p;
	long frac = 0;
	int digits = 0;

	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return false;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*p != 'Z')
		return false;
	*sec = (long long)timegm(&tm);
	*nsec = frac;
	return true;
}

/* The entry of the container's devcontainer.metadata label that an
 * aishell-generated devcontainer.json made (the last one with
 * customizations.aishell.image); NULL when none. */
static const cJSON *our_entry(const cJSON *meta)
{
	const cJSON *entry, *found = NULL;

	cJSON_ArrayForEach(entry, meta) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(entry, "customizations");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "aishell");

		if (cJSON_IsObject(a) && ais_docker_json_str(a, "image"))
			found = entry;
	}
	return found;
}

static const cJSON *aishell_of(const cJSON *entry)
{
	return cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(entry, "customizations"), "aishell");
}

/* The generated keys the metadata label carries (the CLI stores these,
 * unsubstituted) that differ between the container's entry and `json`,
 * as "containerEnv, mounts"; "" when none of them differ. */
static void config_diff(char *out, size_t len, const cJSON *entry, const char *json)
{
	static const char *const keys[] = {
		"containerEnv", "mounts", "remoteUser", "postStartCommand", NULL
	};
	cJSON *now = json ? cJSON_Parse(json) : NULL;
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; now && keys[i]; i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(entry, keys[i]);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(now, keys[i]);

		if ((!a && !b) || (a && b && cJSON_Compare(a, b, 1)))
			continue;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s",
				      n ? ", " : "", keys[i]);
		if (n >= len)
			break;
	}
	cJSON_Delete(now);
}

bool ais_wscontainer_derived_from(const ais_image *image,
				  const ais_image *base_image)
{
	const cJSON *img = ais_image_json(image), *base = ais_image_json(base_image);
	const cJSON *la = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(img, "RootFS"), "Layers");
	const cJSON *lb = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(base, "RootFS"), "Layers");
	const cJSON *a, *b;
	const char *ta, *tb;
	long long sa, sb;
	long na, nb;

	if (!cJSON_IsArray(la) || !cJSON_IsArray(lb) ||
	    cJSON_GetArraySize(lb) == 0 ||
	    cJSON_GetArraySize(la) < cJSON_GetArraySize(lb))
		return false;
	for (a = la->child, b = lb->child; b; a = a->next, b = b->next)
		if (!cJSON_IsString(a) || !cJSON_IsString(b) ||
		    strcmp(a->valuestring, b->valuestring) != 0)
			return false;
	ta = ais_docker_json_str(img, "Created");
	tb = ais_docker_json_str(base, "Created");
	if (!ta || !tb || !ais_wscontainer_parse_time(ta, &sa, &na) ||
	    !ais_wscontainer_parse_time(tb, &sb, &nb))
		return false;
	return sa > sb || (sa == sb && na >= nb);
}

/* Outdated by configuration when the recorded hash is not the wanted one. */
static void judge_config(ais_wscontainer *c, const cJSON *entry,
			 const ais_wscontainer_want *want)
{
	char keys[256];

	if (!want->config || !strcmp(c->config, want->config))
		return;
	c->stale = true;
	c->state = AIS_WSCONTAINER_OUTDATED_CONFIG;
	if (!c->config[0]) {
		snprintf(c->reason, sizeof(c->reason),
			 "it records no configuration (made by an older aishell)");
		return;
	}
	config_diff(keys, sizeof(keys), entry, want->config_json);
	if (keys[0])
		snprintf(c->reason, sizeof(c->reason),
			 "it was made from another configuration (%s differ)", keys);
	else
		snprintf(c->reason, sizeof(c->reason),
			 "it was made from configuration %s, the project's is now %s",
			 c->config, want->config);
}

static int judge(ais_wscontainer *c, ais_docker *d,
		 const ais_wscontainer_want *want, ais_image **tag_img)
{
	const char *tag = want->tag, *tag_id = want->tag_id ? want->tag_id : "";
	ais_image *img = NULL;
	int error = 0;

	if (strcmp(c->wanted, tag) != 0) {
		c->stale = true;
		c->state = AIS_WSCONTAINER_OUTDATED_IMAGE;
		snprintf(c->reason, sizeof(c->reason),
			 "it was made for %s, but the project's image is now %s",
			 c->wanted, tag);
		return 0;
	}
	if (!tag_id[0] || !strcmp(c->image_id, tag_id))
		return 0;
	if (!*tag_img &&
	    (error = ais_docker_image_inspect(tag_img, d, tag_id)) < 0)
		return error;
	error = ais_docker_image_inspect(&img, d, c->image_id);
	if (error == AIS_ENOTFOUND) {
		ais_error_clear();
	} else if (error < 0) {
		return error;
	} else if (ais_wscontainer_derived_from(img, *tag_img)) {
		ais_image_free(img);
		return 0;
	}
	ais_image_free(img);
	c->stale = true;
	c->state = AIS_WSCONTAINER_OUTDATED_IMAGE;
	if (!strcmp(c->image, tag))
		snprintf(c->reason, sizeof(c->reason),
			 "it runs %.19s, but %s is now %.19s", c->image_id, tag, tag_id);
	else
		snprintf(c->reason, sizeof(c->reason),
			 "it runs %s (%.19s), which was not built on the current %s (%.19s)",
			 c->image, c->image_id, tag, tag_id);
	return 0;
}

int ais_wscontainer_list(ais_wscontainer **out, size_t *count, ais_docker *d,
			 const char *project_dir, const ais_wscontainer_want *want)
{
	ais_buf path = AIS_BUF_INIT, body = AIS_BUF_INIT, filter = AIS_BUF_INIT;
	cJSON *list = NULL, *fj = NULL, *arr, *item;
	ais_image *tag_img = NULL;
	ais_wscontainer *res = NULL, *grown;
	size_t n = 0;
	long status;
	char *ftext = NULL;
	int error = 0;

	*out = NULL;
	*count = 0;
	if ((error = ais_buf_printf(&filter, "%s=%s", AIS_LABEL_DEVCONTAINER_FOLDER,
				    project_dir)) < 0)
		goto done;
	fj = cJSON_CreateObject();
	arr = fj ? cJSON_AddArrayToObject(fj, "label") : NULL;
	if (!arr || !cJSON_AddItemToArray(arr, cJSON_CreateString(filter.ptr)) ||
	    !(ftext = cJSON_PrintUnformatted(fj))) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ais_buf_puts(&path, "/containers/json?all=1&filters=")) < 0 ||
	    (error = ais_docker_urlencode(&path, d, ftext)) < 0 ||
	    (error = ais_docker_request(&status, &body, d, "GET", path.ptr, NULL)) < 0)
		goto done;
	if (status != 200) {
		error = engine_error(status, &body, "cannot list containers");
		goto done;
	}
	list = cJSON_Parse(ais_buf_cstr(&body));
	if (!cJSON_IsArray(list)) {
		error = ais_error_set(AIS_ERROR,
				      "the engine's container list is not a JSON array");
		goto done;
	}
	cJSON_ArrayForEach(item, list) {
		const cJSON *labels = cJSON_GetObjectItemCaseSensitive(item, "Labels");
		const cJSON *names = cJSON_GetObjectItemCaseSensitive(item, "Names");
		const char *folder =
			ais_docker_json_str(labels, AIS_LABEL_DEVCONTAINER_FOLDER);
		const char *meta_text =
			ais_docker_json_str(labels, AIS_LABEL_DEVCONTAINER_METADATA);
		const cJSON *entry;
		const char *name;
		cJSON *meta;
		ais_wscontainer *c;

		if (!folder || strcmp(folder, project_dir) != 0 || !meta_text)
			continue;
		meta = cJSON_Parse(meta_text);
		entry = our_entry(meta);
		if (!entry) {
			cJSON_Delete(meta);
			continue;
		}
		grown = realloc(res, (n + 1) * sizeof(*res));
		if (!grown) {
			cJSON_Delete(meta);
			error = ais_error_set(AIS_ENOMEM, "out of memory");
			goto done;
		}
		res = grown;
		c = &res[n++];
		memset(c, 0, sizeof(*c));
		COPY(c->wanted, ais_docker_json_str(aishell_of(entry), "image"));
		COPY(c->config, ais_docker_json_str(aishell_of(entry), "config"));
		COPY(c->id, ais_docker_json_str(item, "Id"));
		COPY(c->image, ais_docker_json_str(item, "Image"));
		COPY(c->image_id, ais_docker_json_str(item, "ImageID"));
		name = cJSON_IsArray(names) && cJSON_IsString(names->child)
			       ? names->child->valuestring : c->id;
		COPY(c->name, name[0] == '/' ? name + 1 : name);
		error = judge(c, d, want, &tag_img);
		if (error == 0 && !c->stale)
			judge_config(c, entry, want);
		cJSON_Delete(meta);
		if (error < 0)
			goto done;
	}
	*out = res;
	*count = n;
	res = NULL;
done:
	free(res);
	cJSON_Delete(list);
	cJSON_Delete(fj);
	ais_image_free(tag_img);
	cJSON_free(ftext);
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
	ais_buf_dispose(&filter);
	return error;
}

/* Whether every tag of the image is a devcontainer CLI derived one. */
static bool only_derived_tags(const ais_image *img)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(ais_image_json(img),
							     "RepoTags");
	const cJSON *t;

	cJSON_ArrayForEach(t, tags)
		if (!cJSON_IsString(t) || strncmp(t->valuestring, "vsc-", 4) != 0)
			return false;
	return true;
}

int ais_wscontainer_remove(ais_docker *d, const ais_wscontainer *c)
{
	ais_buf path = AIS_BUF_INIT, body = AIS_BUF_INIT;
	ais_image *img = NULL;
	long status;
	int error;

	if ((error = ais_buf_puts(&path, "/containers/")) < 0 ||
	    (error = ais_docker_urlencode(&path, d, c->id)) < 0 ||
	    (error = ais_buf_puts(&path, "?force=1")) < 0 ||
	    (error = ais_docker_request(&status, &body, d, "DELETE", path.ptr, NULL)) < 0)
		goto done;
	if (status != 204 && status != 200) {
		error = engine_error(status, &body, "cannot remove container");
		goto done;
	}
	/* best effort: the engine refuses (409) while anything uses it */
	if (c->image_id[0] && ais_docker_image_inspect(&img, d, c->image_id) == 0 &&
	    only_derived_tags(img))
		ais_docker_image_remove(d, c->image_id);
	ais_error_clear();
done:
	ais_image_free(img);
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
	return error;
}
