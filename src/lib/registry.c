#include "registry.h"

#include "chain_internal.h"
#include "error.h"
#include "fsutil.h"
#include "inputs.h"
#include "origin.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a credential helper may print. */
#define HELPER_OUTPUT_MAX (64 * 1024)

struct ais_registry {
	char *ref;           /* host[:port]/path */
	char *host;          /* host[:port], or docker.io */
	char *source;
	char *docker_config; /* directory of config.json */
	bool unusable;       /* a pull failed: warned once, no more pulls */
};

/* Report through the chain's callback. */
#define reg_event(chain, type, tag, ...)                                    \
	ais_event_emitf((chain)->opts.on_event, (chain)->opts.payload, (type), \
			(tag), __VA_ARGS__)

/* Does the first component of a reference name a registry host? */
static bool is_host(const char *s, size_t len)
{
	return memchr(s, '.', len) || memchr(s, ':', len) ||
	       (len == 9 && !strncmp(s, "localhost", 9));
}

bool ais_registry_valid(const char *ref)
{
	const char *slash = strchr(ref, '/'), *p;
	size_t hostlen = slash ? (size_t)(slash - ref) : 0;

	if (!*ref || strlen(ref) > 200)
		return false;
	if (slash && !is_host(ref, hostlen))
		hostlen = 0;
	for (p = ref; *p; p++) {
		size_t at = (size_t)(p - ref);

		if (at < hostlen) {
			if (!(isalnum((unsigned char)*p) || strchr(".-:", *p)))
				return false;
			continue;
		}
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		      strchr("._-/", *p)))
			return false;
		/* No empty path component. */
		if (*p == '/' && (p[1] == '/' || p[1] == '\0'))
			return false;
	}
	return *ref && isalnum((unsigned char)ref[0]) &&
	       isalnum((unsigned char)ref[strlen(ref) - 1]);
}

int ais_registry_new(ais_registry **out, const ais_registry_opts *opts)
{
	ais_registry *r;
	const char *slash;
	ais_buf dir = AIS_BUF_INIT;

	*out = NULL;
	if (!ais_registry_valid(opts->ref))
		return ais_error_set(AIS_EINVALID,
				     "registry '%s' (from %s) is not a valid repository: use host[:port]/path, path in lowercase, no tag",
				     opts->ref, opts->source);
	if (opts->docker_config)
		ais_buf_puts(&dir, opts->docker_config);
	else
		ais_buf_printf(&dir, "%s/.docker", opts->home ? opts->home : "");
	r = calloc(1, sizeof(*r));
	slash = strchr(opts->ref, '/');
	if (r) {
		r->ref = strdup(opts->ref);
		r->source = strdup(opts->source);
		r->docker_config = ais_buf_detach(&dir);
		if (slash && is_host(opts->ref, (size_t)(slash - opts->ref)))
			r->host = strndup(opts->ref, (size_t)(slash - opts->ref));
		else
			r->host = strdup("docker.io");
	}
	ais_buf_dispose(&dir);
	if (!r || !r->ref || !r->source || !r->docker_config || !r->host) {
		ais_registry_free(r);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

void ais_registry_free(ais_registry *r)
{
	if (!r)
		return;
	free(r->ref);
	free(r->host);
	free(r->source);
	free(r->docker_config);
	free(r);
}

const char *ais_registry_ref(const ais_registry *r)
{
	return r->ref;
}

const char *ais_registry_source(const ais_registry *r)
{
	return r->source;
}

/* ---- content keys ---------------------------------------------------- */

int ais_registry_key(char out[AIS_REGISTRY_KEY_LEN + 1], const char *tier,
		     const char *dockerfile_path, const ais_buf *manifest,
		     const char *parent_id)
{
	char df[AIS_SHA256_HEX_LEN + 1], mf[AIS_SHA256_HEX_LEN + 1];
	char all[AIS_SHA256_HEX_LEN + 1];
	ais_buf text = AIS_BUF_INIT, material = AIS_BUF_INIT;
	int error;

	if ((error = ais_buf_read_file(&text, dockerfile_path)) < 0 ||
	    (error = ais_hash_sha256_hex(df, ais_buf_cstr(&text), text.size)) < 0 ||
	    (error = ais_hash_sha256_hex(mf, ais_buf_cstr(manifest),
					 manifest->size)) < 0 ||
	    (error = ais_buf_printf(&material,
				    "aishell registry key 1\ntier %s\ndockerfile %s\ninputs %s\nparent %s\n",
				    tier, df, mf, parent_id)) < 0 ||
	    (error = ais_hash_sha256_hex(all, material.ptr, material.size)) < 0)
		goto done;
	memcpy(out, all, AIS_REGISTRY_KEY_LEN);
	out[AIS_REGISTRY_KEY_LEN] = '\0';
done:
	ais_buf_dispose(&text);
	ais_buf_dispose(&material);
	return error;
}

/* "<tier>-<key>" for the tier of `chain` built from context_dir/dockerfile
 * on the image parent_id. */
static int tier_key(ais_buf *tag, const ais_chain *chain, const chain_tier *tier,
		    const char *context_dir, const char *dockerfile,
		    const char *parent_id)
{
	const char *name = tier == &chain->ext ? "ext" : "base";
	/* The chain's walk of this run, when it has one not yet sent (a pull
	 * before the build); else (a push after it) a walk of our own. */
	const ais_inputs *walked = tier == &chain->ext ? &chain->run_ext
						       : &chain->run_base;
	char key[AIS_REGISTRY_KEY_LEN + 1];
	ais_inputs in = AIS_INPUTS_INIT;
	ais_buf path = AIS_BUF_INIT, manifest = AIS_BUF_INIT;
	int error;

	if (!walked->context) {
		if ((error = ais_inputs_compute(&in, context_dir, dockerfile,
						chain->opts.cache_dir)) < 0)
			goto done;
		walked = &in;
	}
	if ((error = ais_inputs_manifest(&manifest, walked)) < 0 ||
	    (error = ais_buf_printf(&path, "%s/%s", context_dir, dockerfile)) < 0 ||
	    (error = ais_registry_key(key, name, path.ptr, &manifest,
				      parent_id)) < 0)
		goto done;
	ais_buf_clear(tag);
	error = ais_buf_printf(tag, "%s-%s", name, key);
done:
	ais_inputs_dispose(&in);
	ais_buf_dispose(&path);
	ais_buf_dispose(&manifest);
	return error;
}

/* ---- credentials ----------------------------------------------------- */

static int base64url(ais_buf *out, const char *data, size_t len)
{
	unsigned char *enc = malloc(4 * ((len + 2) / 3) + 1);
	int n, i, error;

	AIS_CHECK_ALLOC(enc);
	n = EVP_EncodeBlock(enc, (const unsigned char *)data, (int)len);
	for (i = 0; i < n; i++)
		if (enc[i] == '+')
			enc[i] = '-';
		else if (enc[i] == '/')
			enc[i] = '_';
	error = ais_buf_put(out, (const char *)enc, (size_t)n);
	free(enc);
	return error;
}

/* Decode config.json's "auth": base64 of "user:password". */
static int base64_decode(ais_buf *out, const char *s)
{
	size_t len = strlen(s), pad = 0;
	unsigned char *dec;
	int n, error;

	if (len % 4)
		return AIS_EINVALID;
	dec = malloc(len / 4 * 3 + 1);
	AIS_CHECK_ALLOC(dec);
	n = EVP_DecodeBlock(dec, (const unsigned char *)s, (int)len);
	while (pad < 2 && len > pad && s[len - 1 - pad] == '=')
		pad++;
	if (n < 0 || (size_t)n < pad) {
		free(dec);
		return AIS_EINVALID;
	}
	error = ais_buf_put(out, (const char *)dec, (size_t)n - pad);
	free(dec);
	return error;
}

/* Does a config.json "auths" key ("https://host/v1/", "host") name host? */
static bool auths_key_matches(const char *key, const char *host)
{
	size_t len;

	if (!strncmp(key, "https://", 8))
		key += 8;
	else if (!strncmp(key, "http://", 7))
		key += 7;
	len = strcspn(key, "/");
	if (!strcmp(host, "docker.io"))
		return (len == 16 && !strncmp(key, "index.docker.io", 15)) ||
		       (len == 15 && !strncmp(key, "index.docker.io", 15)) ||
		       (len == 9 && !strncmp(key, "docker.io", 9));
	return strlen(host) == len && !strncmp(key, host, len);
}

/* Read the helper's stdout into `out` and its stderr into `err` until both
 * end, whichever it writes first (waiting for one while it fills the other
 * would block both of us forever).  At most HELPER_OUTPUT_MAX bytes of
 * each are kept; the rest is read and dropped. */
static int read_output(ais_buf *out, int out_fd, ais_buf *err, int err_fd)
{
	struct pollfd fds[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	ais_buf *bufs[2] = { out, err };
	char chunk[4096];
	int left = 2, i, error;
	ssize_t n;

	while (left) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return ais_error_set_os(AIS_ERROR, errno,
						"cannot read the credential helper's output");
		}
		for (i = 0; i < 2; i++) {
			size_t room = bufs[i]->size < HELPER_OUTPUT_MAX
					      ? HELPER_OUTPUT_MAX - bufs[i]->size : 0;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			if ((n = ais_fs_read(fds[i].fd, chunk, sizeof(chunk))) <= 0) {
				/* End of file, or an error: that stream is done
				 * (what the helper says is judged by its exit). */
				if (n < 0)
					ais_error_clear();
				fds[i].fd = -1;
				left--;
				continue;
			}
			if ((size_t)n < room)
				room = (size_t)n;
			if (room && (error = ais_buf_put(bufs[i], chunk, room)) < 0)
				return error;
		}
	}
	return 0;
}

/* Run docker-credential-<helper> get with the server on stdin; its JSON
 * output goes to out.  0, AIS_ENOTFOUND (no credentials stored) or
 * AIS_ERROR with its error output. */
static int run_helper(ais_buf *out, const char *helper, const char *server)
{
	/* stdin is a socket, so that a helper that exits without reading it
	 * cannot kill us with SIGPIPE (send with MSG_NOSIGNAL). */
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int status = 0, error = 0, i;
	ais_buf prog = AIS_BUF_INIT, err = AIS_BUF_INIT, exe = AIS_BUF_INIT;
	pid_t pid;

	if (!*helper || strchr(helper, '/'))
		return ais_error_set(AIS_ERROR,
				     "credential helper name '%s' is not valid", helper);
	if ((error = ais_buf_printf(&prog, "docker-credential-%s", helper)) < 0)
		return error;
	/* Found before forking, so "not found" never depends on how the
	 * child exits. */
	if ((error = ais_fs_which(&exe, prog.ptr, NULL)) < 0) {
		if (error == AIS_ENOTFOUND)
			error = ais_error_set(AIS_ERROR,
					      "credential helper %s not found on PATH",
					      prog.ptr);
		goto done;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (pid = fork()) < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot run %s", prog.ptr);
		goto done;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execl(exe.ptr, prog.ptr, "get", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	close(errp[1]);
	in[0] = outp[1] = errp[1] = -1;
	/* A failed send shows in the helper's answer. */
	if (send(in[1], server, strlen(server), MSG_NOSIGNAL) < 0)
		(void)0;
	close(in[1]);
	in[1] = -1;
	error = read_output(out, outp[0], &err, errp[0]);
	/* Closed before waiting: a helper still writing ends on EPIPE. */
	close(outp[0]);
	close(errp[0]);
	outp[0] = errp[0] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (error < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
		goto done;
	if (strstr(ais_buf_cstr(out), "credentials not found") ||
	    strstr(ais_buf_cstr(&err), "credentials not found")) {
		error = AIS_ENOTFOUND;
		goto done;
	}
	if (!err.size)
		ais_buf_sets(&err, ais_buf_cstr(out));
	while (err.size && isspace((unsigned char)err.ptr[err.size - 1]))
		err.ptr[--err.size] = '\0';
	error = ais_error_set(AIS_ERROR,
			      "credential helper %s failed%s%s",
			      prog.ptr, err.size ? ": " : "", ais_buf_cstr(&err));
done:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	ais_buf_dispose(&exe);
	ais_buf_dispose(&prog);
	ais_buf_dispose(&err);
	return error;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* Fill `creds` (an auth config object) from a helper's answer. */
static int from_helper(cJSON *creds, ais_registry *r, const char *helper)
{
	const char *server = strcmp(r->host, "docker.io") ? r->host
				     : "https://index.docker.io/v1/";
	ais_buf answer = AIS_BUF_INIT;
	cJSON *root = NULL;
	const char *user, *secret;
	int error;

	if ((error = run_helper(&answer, helper, server)) < 0)
		goto done;
	root = cJSON_ParseWithLength(ais_buf_cstr(&answer), answer.size);
	user = json_str(root, "Username");
	secret = json_str(root, "Secret");
	if (!secret) {
		error = ais_error_set(AIS_ERROR,
				      "credential helper docker-credential-%s gave no secret for %s",
				      helper, server);
		goto done;
	}
	if (user && !strcmp(user, "<token>")) {
		cJSON_AddStringToObject(creds, "identitytoken", secret);
	} else {
		cJSON_AddStringToObject(creds, "username", user ? user : "");
		cJSON_AddStringToObject(creds, "password", secret);
	}
done:
	cJSON_Delete(root);
	ais_buf_dispose(&answer);
	return error;
}

/* Fill `creds` from an "auths" entry. */
static void from_auths(cJSON *creds, const cJSON *entry)
{
	const char *auth = json_str(entry, "auth"), *v;
	ais_buf dec = AIS_BUF_INIT;
	char *colon;

	if ((v = json_str(entry, "identitytoken"))) {
		cJSON_AddStringToObject(creds, "identitytoken", v);
		return;
	}
	if (auth && base64_decode(&dec, auth) == 0 &&
	    (colon = strchr(ais_buf_cstr(&dec), ':'))) {
		*colon = '\0';
		cJSON_AddStringToObject(creds, "username", dec.ptr);
		cJSON_AddStringToObject(creds, "password", colon + 1);
	} else if (json_str(entry, "username")) {
		cJSON_AddStringToObject(creds, "username", json_str(entry, "username"));
		cJSON_AddStringToObject(creds, "password",
					json_str(entry, "password") ? json_str(entry, "password") : "");
	}
	ais_buf_dispose(&dec);
	ais_error_clear();
}

int ais_registry_auth(ais_buf *out, ais_registry *r)
{
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT;
	cJSON *config = NULL, *creds = cJSON_CreateObject();
	const cJSON *entry, *auths;
	const char *helper;
	char *json = NULL;
	int error = 0;

	AIS_CHECK_ALLOC(creds);
	ais_buf_clear(out);
	if ((error = ais_buf_printf(&path, "%s/config.json", r->docker_config)) < 0)
		goto done;
	if (ais_buf_read_file(&text, path.ptr) < 0) {
		ais_error_clear();	/* no config.json: no credentials */
		goto encode;
	}
	config = cJSON_ParseWithLength(ais_buf_cstr(&text), text.size);
	if (!config) {
		error = ais_error_set(AIS_EINVALID,
				      "%s is not valid JSON", path.ptr);
		goto done;
	}
	helper = json_str(cJSON_GetObjectItemCaseSensitive(config, "credHelpers"),
			  r->host);
	if (!helper)
		helper = json_str(config, "credsStore");
	if (helper) {
		error = from_helper(creds, r, helper);
		if (error == 0 || error != AIS_ENOTFOUND)
			goto encode;
		error = 0;
	}
	auths = cJSON_GetObjectItemCaseSensitive(config, "auths");
	cJSON_ArrayForEach(entry, auths) {
		if (entry->string && auths_key_matches(entry->string, r->host)) {
			from_auths(creds, entry);
			break;
		}
	}
encode:
	if (error < 0)
		goto done;
	if (cJSON_GetArraySize(creds))
		cJSON_AddStringToObject(creds, "serveraddress", r->host);
	json = cJSON_PrintUnformatted(creds);
	if (!json) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	error = base64url(out, json, strlen(json));
done:
	cJSON_free(json);
	cJSON_Delete(creds);
	cJSON_Delete(config);
	ais_buf_dispose(&path);
	ais_buf_dispose(&text);
	return error;
}

/* ---- pull ------------------------------------------------------------ */

/* Pull <registry>:<tag>; 0, AIS_ENOTFOUND, or another error. */
static int pull(ais_chain *chain, ais_docker *d, ais_registry *r,
		const char *tag)
{
	ais_transfer_opts opts = { 0 };
	ais_buf auth = AIS_BUF_INIT;
	int error;

	opts.on_event = chain->opts.on_event;
	opts.event_payload = chain->opts.payload;
	if ((error = ais_registry_auth(&auth, r)) == 0) {
		opts.auth = ais_buf_cstr(&auth);
		error = ais_docker_image_pull(d, r->ref, tag, &opts);
	}
	ais_buf_dispose(&auth);
	return error;
}

/* A pull that did not work: a miss is a note, anything else makes the
 * registry unusable for the rest of the run, with one warning.  Returns
 * what the caller should return (0, or the interruption). */
static int pull_failed(ais_chain *chain, ais_registry *r, const char *tag,
		       int error)
{
	if (error == AIS_EINTERRUPTED)
		return error;
	if (error == AIS_ENOTFOUND) {
		reg_event(chain, AIS_EVENT_NOTE, NULL, "%s:%s is not in the registry",
			  r->ref, tag);
	} else {
		r->unusable = true;
		reg_event(chain, AIS_EVENT_WARN, r->ref,
			  "cannot use the registry (%s); building here",
			  ais_error_last()->message);
	}
	ais_error_clear();
	return 0;
}

/* Tag the pulled <registry>:<tag> as `local` and drop the registry tag. */
static int adopt(ais_docker *d, ais_registry *r, const char *tag,
		 const char *local, const char *id)
{
	const char *colon = strrchr(local, ':');
	ais_buf repo = AIS_BUF_INIT, ref = AIS_BUF_INIT;
	int error;

	if ((error = ais_buf_put(&repo, local, (size_t)(colon - local))) < 0 ||
	    (error = ais_docker_image_tag(d, id, repo.ptr, colon + 1)) < 0 ||
	    (error = ais_buf_printf(&ref, "%s:%s", r->ref, tag)) < 0)
		goto done;
	if (ais_docker_image_remove(d, ref.ptr) < 0)
		ais_error_clear();
done:
	ais_buf_dispose(&repo);
	ais_buf_dispose(&ref);
	return error;
}

static void record_pull(const ais_chain *chain, const ais_registry *r,
			const char *tag, const char *id)
{
	ais_buf text = AIS_BUF_INIT;

	ais_buf_printf(&text, "pulled from %s:%s", r->ref, tag);
	ais_origin_set(chain->opts.state_dir, id, ais_buf_cstr(&text));
	ais_buf_dispose(&text);
}

int ais_registry_pull_tier(ais_buf *id, ais_chain *chain, ais_docker *d,
			   ais_tier_name name, const char *context_dir,
			   const char *dockerfile, const char *parent_tag)
{
	chain_tier *tier = name == AIS_TIER_EXT ? &chain->ext : &chain->base;
	ais_registry *r = chain->opts.registry;
	ais_image *parent = NULL, *img = NULL;
	ais_buf tag = AIS_BUF_INIT, ref = AIS_BUF_INIT;
	const char *parent_label = tier == &chain->ext ? AIS_LABEL_BASE_ID
						       : AIS_LABEL_BASE_FOUNDATION_ID;
	const char *hash_label = tier == &chain->ext ? AIS_LABEL_EXTENSION_HASH
						     : AIS_LABEL_BASE_DOCKERFILE_HASH;
	const char *hash = tier == &chain->ext ? chain->ext_hash : chain->base_hash;
	const char *v;
	int error = 0, pulled = 0;

	if (!r || r->unusable)
		return 0;
	if (ais_docker_image_inspect(&parent, d, parent_tag) < 0) {
		ais_error_clear();	/* the build says what is missing */
		goto done;
	}
	if ((error = tier_key(&tag, chain, tier, context_dir, dockerfile,
			      ais_image_id(parent))) < 0)
		goto done;
	if ((error = pull(chain, d, r, tag.ptr)) < 0) {
		error = pull_failed(chain, r, tag.ptr, error);
		goto done;
	}
	if ((error = ais_buf_printf(&ref, "%s:%s", r->ref, tag.ptr)) < 0 ||
	    (error = ais_docker_image_inspect(&img, d, ref.ptr)) < 0)
		goto done;
	/* The key says what it was built from; the labels must agree. */
	v = ais_image_label(img, parent_label);
	if (!v || strcmp(v, ais_image_id(parent)) ||
	    !(v = ais_image_label(img, hash_label)) || strcmp(v, hash)) {
		reg_event(chain, AIS_EVENT_WARN, ref.ptr,
			  "its labels do not match its key (label %s or %s differs); building here",
			  parent_label, hash_label);
		ais_docker_image_remove(d, ref.ptr);
		ais_error_clear();
		goto done;
	}
	if ((error = adopt(d, r, tag.ptr, tier->tag, ais_image_id(img))) < 0 ||
	    (error = ais_buf_sets(id, ais_image_id(img))) < 0)
		goto done;
	record_pull(chain, r, tag.ptr, ais_image_id(img));
	v = ais_image_label(img, AIS_LABEL_BUILDER);
	snprintf(tier->builder, sizeof(tier->builder), "%s", v ? v : "");
	reg_event(chain, AIS_EVENT_NOTE, tier->tag, "pulled %s as %s (%.12s)",
		  ref.ptr, tier->tag, ais_image_id(img) + 7);
	pulled = 1;
done:
	ais_image_free(parent);
	ais_image_free(img);
	ais_buf_dispose(&tag);
	ais_buf_dispose(&ref);
	return error < 0 ? error : pulled;
}

int ais_registry_pull_foundation(ais_image **foundation, ais_chain *chain,
				 ais_docker *d)
{
	ais_registry *r = chain->opts.registry;
	ais_image *img = NULL;
	ais_buf ref = AIS_BUF_INIT;
	int error;

	*foundation = NULL;
	if (!r || r->unusable)
		return 0;
	if ((error = pull(chain, d, r, "foundation")) < 0) {
		error = pull_failed(chain, r, "foundation", error);
		goto done;
	}
	if ((error = ais_buf_printf(&ref, "%s:foundation", r->ref)) < 0 ||
	    (error = ais_docker_image_inspect(&img, d, ref.ptr)) < 0 ||
	    (error = adopt(d, r, "foundation", chain->foundation.tag,
			   ais_image_id(img))) < 0)
		goto done;
	record_pull(chain, r, "foundation", ais_image_id(img));
	reg_event(chain, AIS_EVENT_NOTE, chain->foundation.tag,
		  "pulled %s as %s (%.12s)", ref.ptr, chain->foundation.tag,
		  ais_image_id(img) + 7);
	ais_image_free(img);
	img = NULL;
	error = ais_docker_image_inspect(foundation, d, chain->foundation.tag);
done:
	ais_image_free(img);
	ais_buf_dispose(&ref);
	return error;
}

/* ---- push ------------------------------------------------------------ */

/* Tag `id` as <registry>:<tag>, push it, and drop that tag again. */
static int push_one(ais_chain *chain, ais_docker *d, ais_registry *r,
		    const char *auth, const char *id, const char *tag)
{
	ais_transfer_opts opts = { 0 };
	ais_buf ref = AIS_BUF_INIT;
	int error;

	opts.auth = auth;
	opts.on_event = chain->opts.on_event;
	opts.event_payload = chain->opts.payload;
	if ((error = ais_docker_image_tag(d, id, r->ref, tag)) < 0)
		goto done;
	error = ais_docker_image_push(d, r->ref, tag, &opts);
	if (ais_buf_printf(&ref, "%s:%s", r->ref, tag) == 0 &&
	    ais_docker_image_remove(d, ref.ptr) < 0 && error == 0)
		ais_error_clear();
	if (error == 0)
		reg_event(chain, AIS_EVENT_NOTE, NULL, "pushed %s:%s (%.12s)",
			  r->ref, tag, id + 7);
done:
	ais_buf_dispose(&ref);
	return error;
}

/* Push a built tier under its key. */
static int push_tier(ais_chain *chain, ais_docker *d, ais_registry *r,
		     const char *auth, const chain_tier *tier,
		     const char *context_dir, const char *dockerfile,
		     const char *parent_tag)
{
	ais_image *parent = NULL;
	ais_buf tag = AIS_BUF_INIT;
	int error;

	if ((error = ais_docker_image_inspect(&parent, d, parent_tag)) < 0 ||
	    (error = tier_key(&tag, chain, tier, context_dir, dockerfile,
			      ais_image_id(parent))) < 0)
		goto done;
	error = push_one(chain, d, r, auth, tier->id, tag.ptr);
done:
	ais_image_free(parent);
	ais_buf_dispose(&tag);
	return error;
}

int ais_registry_push(ais_chain *chain, ais_docker *d, bool foundation)
{
	ais_registry *r = chain->opts.registry;
	ais_buf auth = AIS_BUF_INIT, msg = AIS_BUF_INIT;
	int error;

	if (!r)
		return ais_error_set(AIS_EINVALID,
				     "no registry is set");
	if ((error = ais_registry_auth(&auth, r)) < 0)
		goto done;
	if (foundation && chain->foundation.id[0] &&
	    (error = push_one(chain, d, r, auth.ptr, chain->foundation.id,
			      "foundation")) < 0)
		goto done;
	if (chain->custom_base && chain->base.id[0] &&
	    (error = push_tier(chain, d, r, auth.ptr, &chain->base,
			       chain->global_dir, "Dockerfile",
			       chain->foundation.tag)) < 0)
		goto done;
	if (chain->has_ext && chain->ext.id[0])
		error = push_tier(chain, d, r, auth.ptr, &chain->ext,
				  chain->opts.project_dir, chain->ext_dockerfile,
				  chain->base.tag);
done:
	if (error < 0 && error != AIS_EINTERRUPTED) {
		ais_buf_sets(&msg, ais_error_last()->message);
		error = ais_error_set(AIS_ERROR,
				      "cannot push to the registry %s (from %s): %s",
				      r->ref, r->source, ais_buf_cstr(&msg));
	}
	ais_buf_dispose(&auth);
	ais_buf_dispose(&msg);
	return error;
}

/* ---- origins --------------------------------------------------------- */

int ais_registry_origin(ais_buf *out, const ais_chain *chain,
			ais_tier_name name)
{
	const chain_tier *tier = name == AIS_TIER_FOUNDATION ? &chain->foundation
				 : name == AIS_TIER_BASE ? &chain->base
							 : &chain->ext;

	ais_buf_clear(out);
	if (!tier->id[0])
		return 0;
	if (ais_origin_get(out, chain->opts.state_dir, tier->id) == 0)
		return 0;
	if (tier == &chain->base && !chain->custom_base &&
	    !strcmp(tier->id, chain->foundation.id))
		return ais_buf_printf(out, "aliased to %s", chain->foundation.tag);
	if (tier == &chain->foundation)
		return ais_buf_puts(out, "present here");
	return ais_buf_puts(out, "built here");
}
