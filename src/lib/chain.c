#include "chain_internal.h"

#include "buf.h"
#include "context.h"
#include "error.h"
#include "inputs.h"
#include "fsutil.h"
#include "lock.h"
#include "origin.h"
#include "registry.h"
#include "session.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Builds are retried when the parent image or the Dockerfile changed while
 * they ran, so the labels always describe what was really used. */
#define CHAIN_BUILD_ATTEMPTS 3

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

const char *ais_state_name(ais_state state)
{
	switch (state) {
	case AIS_STATE_FRESH:
		return "fresh";
	case AIS_STATE_STALE:
		return "stale";
	case AIS_STATE_MISSING:
		return "missing";
	}
	return "unknown";
}

const char *ais_action_name(ais_action action)
{
	switch (action) {
	case AIS_ACTION_NONE:
		return "none";
	case AIS_ACTION_TAGGED:
		return "tagged";
	case AIS_ACTION_BUILT:
		return "built";
	case AIS_ACTION_PULLED:
		return "pulled";
	}
	return "unknown";
}

/* A NOTE or WARN line through the chain's callback. */
#define chain_note(chain, type, tag, ...)                                   \
	ais_event_emitf((chain)->opts.on_event, (chain)->opts.payload, (type), \
			(tag), __VA_ARGS__)

/* Is `path` a regular file (1), absent (0), or something else (error)? */
static int chain_dockerfile(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ais_error_set_os(AIS_ERROR, errno, "cannot stat '%s'", path);
	}
	if (!S_ISREG(st.st_mode))
		return ais_error_set(AIS_EINVALID,
				     "'%s' is not a regular file", path);
	return 1;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Walk and hash the files the base (`ext` false) or ext Dockerfile reads;
 * the tier's Dockerfile hash becomes that of the text the walk read. */
static int chain_hash_inputs(ais_chain *chain, bool ext)
{
	ais_inputs *in = ext ? &chain->run_ext : &chain->run_base;
	int error;

	if (ext)
		error = ais_inputs_compute(in, chain->opts.project_dir,
					   chain->ext_dockerfile, chain->opts.cache_dir);
	else
		error = ais_inputs_compute(in, chain->global_dir, "Dockerfile",
					   chain->opts.cache_dir);
	if (error < 0)
		return error;
	memcpy(ext ? chain->ext_inputs : chain->base_inputs, in->hash, AIS_H12_LEN + 1);
	memcpy(ext ? chain->ext_hash : chain->base_hash, in->dockerfile_hash,
	       AIS_H12_LEN + 1);
	return 0;
}

/* H12 of the Dockerfiles' text: cheap, at init. */
static int chain_hash_texts(ais_chain *chain)
{
	char path[PATH_MAX + 32];
	int error = 0;

	if (chain->custom_base) {
		snprintf(path, sizeof(path), "%s/Dockerfile", chain->global_dir);
		if ((error = ais_hash_file_h12(chain->base_hash, path)) < 0)
			return error;
	}
	if (chain->has_ext) {
		snprintf(path, sizeof(path), "%s/%s", chain->opts.project_dir,
			 chain->ext_dockerfile);
		error = ais_hash_file_h12(chain->ext_hash, path);
	}
	return error;
}

/* The Dockerfiles and the files they COPY/ADD: walks the build contexts,
 * so only where staleness is judged (check, under a lock, after a build),
 * never for commands that only need the tags. */
static int chain_hash_dockerfiles(ais_chain *chain)
{
	int error;

	if ((error = chain_hash_texts(chain)) < 0)
		return error;
	if (chain->custom_base && (error = chain_hash_inputs(chain, false)) < 0)
		return error;
	if (chain->has_ext)
		error = chain_hash_inputs(chain, true);
	if (error == 0)
		chain->walked = true;
	return error;
}

/* Point a tier's view at its fields (those that may move: reason, cause). */
static void tier_sync(chain_tier *t)
{
	t->pub.reason = ais_buf_cstr(&t->reason);
	t->pub.cause = ais_buf_cstr(&t->cause);
}

static void tier_init(chain_tier *t)
{
	t->pub.tag = t->tag;
	t->pub.id = t->id;
	t->pub.label = t->label;
	t->pub.have = t->have;
	t->pub.want = t->want;
	t->pub.old_id = t->old_id;
	t->pub.builder = t->builder;
	tier_sync(t);
}

static void tier_dispose(chain_tier *t)
{
	ais_buf_dispose(&t->reason);
	ais_buf_dispose(&t->cause);
}

void ais_chain_free(ais_chain *chain)
{
	if (!chain)
		return;
	tier_dispose(&chain->foundation);
	tier_dispose(&chain->base);
	tier_dispose(&chain->ext);
	ais_inputs_dispose(&chain->run_base);
	ais_inputs_dispose(&chain->run_ext);
	/* the copies chain_own() made */
	free((char *)chain->opts.repo);
	free((char *)chain->opts.project_dir);
	free((char *)chain->opts.home);
	free((char *)chain->opts.lock_dir);
	free((char *)chain->opts.cache_dir);
	free((char *)chain->opts.state_dir);
	free(chain);
}

/* The chain keeps its own copy of each option string. */
static int chain_own(const char **dst, const char *src)
{
	char *copy;

	*dst = NULL;
	if (!src)
		return 0;
	copy = strdup(src);
	AIS_CHECK_ALLOC(copy);
	*dst = copy;
	return 0;
}

static int chain_init(ais_chain *chain, const ais_chain_opts *opts)
{
	char path[PATH_MAX + 32];
	bool has_aishell, has_sandbox;
	int found, error;

	chain->opts = *opts;
	chain->opts.repo = chain->opts.project_dir = chain->opts.home = NULL;
	chain->opts.lock_dir = chain->opts.cache_dir = chain->opts.state_dir = NULL;
	if ((error = chain_own(&chain->opts.repo, opts->repo)) < 0 ||
	    (error = chain_own(&chain->opts.project_dir, opts->project_dir)) < 0 ||
	    (error = chain_own(&chain->opts.home, opts->home)) < 0 ||
	    (error = chain_own(&chain->opts.lock_dir, opts->lock_dir)) < 0 ||
	    (error = chain_own(&chain->opts.cache_dir, opts->cache_dir)) < 0 ||
	    (error = chain_own(&chain->opts.state_dir, opts->state_dir)) < 0)
		return error;
	opts = &chain->opts;
	tier_init(&chain->foundation);
	tier_init(&chain->base);
	tier_init(&chain->ext);
	if ((error = ais_hash_h12(chain->h12, opts->project_dir,
				  strlen(opts->project_dir))) < 0)
		return error;
	snprintf(chain->foundation.tag, sizeof(chain->foundation.tag),
		 "%s:foundation", opts->repo);
	snprintf(chain->base.tag, sizeof(chain->base.tag), "%s:base", opts->repo);
	snprintf(chain->ext.tag, sizeof(chain->ext.tag), "%s:ext-%s", opts->repo,
		 chain->h12);
	snprintf(chain->global_dir, sizeof(chain->global_dir), "%s/.aishell",
		 opts->home);

	snprintf(path, sizeof(path), "%s/Dockerfile", chain->global_dir);
	if ((found = chain_dockerfile(path)) < 0)
		return found;
	chain->custom_base = found;

	snprintf(path, sizeof(path), "%s/.aishell", opts->project_dir);
	has_aishell = is_dir(path);
	snprintf(path, sizeof(path), "%s/.sandbox", opts->project_dir);
	has_sandbox = is_dir(path);
	if (has_aishell && has_sandbox)
		return ais_error_set(AIS_EINVALID,
				     "found both .aishell/ and .sandbox/ in '%s': keep only one",
				     opts->project_dir);
	if (has_aishell || has_sandbox) {
		COPY(chain->config_dir, has_aishell ? ".aishell" : ".sandbox");
		snprintf(chain->ext_dockerfile, sizeof(chain->ext_dockerfile),
			 "%s/Dockerfile", chain->config_dir);
		snprintf(path, sizeof(path), "%s/%s", opts->project_dir,
			 chain->ext_dockerfile);
		if ((found = chain_dockerfile(path)) < 0)
			return found;
		chain->has_ext = found;
	}
	return chain_hash_texts(chain);
}

int ais_chain_new(ais_chain **out, const ais_chain_opts *opts)
{
	ais_chain *chain = calloc(1, sizeof(*chain));
	ais_inputs empty = AIS_INPUTS_INIT;
	int error;

	*out = NULL;
	AIS_CHECK_ALLOC(chain);
	chain->run_base = empty;
	chain->run_ext = empty;
	if ((error = chain_init(chain, opts)) < 0) {
		ais_chain_free(chain);
		return error;
	}
	*out = chain;
	return 0;
}

const ais_tier *ais_chain_tier(const ais_chain *chain, ais_tier_name name)
{
	switch (name) {
	case AIS_TIER_FOUNDATION:
		return &chain->foundation.pub;
	case AIS_TIER_BASE:
		return &chain->base.pub;
	case AIS_TIER_EXT:
		return chain->has_ext ? &chain->ext.pub : NULL;
	case AIS_TIER_COUNT:
		break;
	}
	return NULL;
}

const ais_tier *ais_chain_run_tier(const ais_chain *chain)
{
	return chain->has_ext ? &chain->ext.pub : &chain->base.pub;
}

const ais_chain_opts *ais_chain_options(const ais_chain *chain)
{
	return &chain->opts;
}

const char *ais_chain_global_dir(const ais_chain *chain)
{
	return chain->global_dir;
}

const char *ais_chain_config_dir(const ais_chain *chain)
{
	return chain->config_dir[0] ? chain->config_dir : NULL;
}

const char *ais_chain_project_key(const ais_chain *chain)
{
	return chain->h12;
}

int ais_chain_dockerfile(ais_buf *out, const ais_chain *chain,
			 ais_tier_name name)
{
	if (name == AIS_TIER_BASE && chain->custom_base)
		return ais_buf_printf(out, "%s/Dockerfile", chain->global_dir);
	if (name == AIS_TIER_EXT && chain->has_ext)
		return ais_buf_printf(out, "%s/%s", chain->opts.project_dir,
				      chain->ext_dockerfile);
	return ais_error_set(AIS_ENOTFOUND,
			     "the %s image is not built from a Dockerfile",
			     name == AIS_TIER_EXT ? "ext" : name == AIS_TIER_BASE
							   ? "base" : "foundation");
}

const char *ais_chain_dockerfile_hash(const ais_chain *chain,
				      ais_tier_name name)
{
	if (name == AIS_TIER_BASE && chain->custom_base)
		return chain->base_hash;
	if (name == AIS_TIER_EXT && chain->has_ext)
		return chain->ext_hash;
	return NULL;
}

void ais_chain_set_registry(ais_chain *chain, ais_registry *registry)
{
	chain->opts.registry = registry;
}

static void tier_set(chain_tier *t, ais_state state, const char *label,
		     const char *have, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void tier_set(chain_tier *t, ais_state state, const char *label,
		     const char *have, const char *want, const char *fmt, ...)
{
	va_list ap;

	t->pub.state = state;
	COPY(t->label, label);
	COPY(t->have, have);
	COPY(t->want, want);
	ais_buf_clear(&t->reason);
	ais_buf_clear(&t->cause);
	if (fmt) {
		va_start(ap, fmt);
		if (ais_buf_vprintf(&t->reason, fmt, ap) < 0)
			ais_error_clear(); /* the state stands; the why is lost */
		va_end(ap);
	}
	tier_sync(t);
}

/* The reason alone, for a build forced on a fresh image. */
static void tier_reason(chain_tier *t, const char *reason)
{
	if (ais_buf_sets(&t->reason, reason) < 0)
		ais_error_clear();
	tier_sync(t);
}

/* A label value or id for a reason: "(absent)", or a digest cut to 12 hex
 * digits ("sha256:0123456789ab..." -> "0123456789ab"). */
static const char *shown(const char *s, char buf[16])
{
	if (!s || !*s)
		return "(absent)";
	if (!strncmp(s, "sha256:", 7))
		s += 7;
	snprintf(buf, 16, "%.12s", s);
	return buf;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Stale because `label` is `have` on the image but should be `want`:
 * "<cause> (<label> <have> -> <want>)". */
static void tier_stale(chain_tier *t, const char *label, const char *have,
		       const char *want, const char *cause)
{
	char h[16], w[16];

	tier_set(t, AIS_STATE_STALE, label, have, want, "%s (%s %s -> %s)", cause,
		 label, shown(have, h), shown(want, w));
}

/* Record the project-relative path the reason names. */
static void tier_cause(chain_tier *t, const char *path)
{
	ais_buf_clear(&t->cause);
	if (ais_buf_put(&t->cause, path, strlen(path) + 1) < 0)
		ais_error_clear();
	tier_sync(t);
}

void ais_chain_judge_base(ais_chain *chain, const ais_image *foundation,
			  const ais_image *img)
{
	chain_tier *base = &chain->base;
	const char *fid = foundation ? ais_image_id(foundation) : NULL;
	const char *v;
	char cause[600];

	COPY(base->id, img ? ais_image_id(img) : NULL);
	COPY(base->builder, img ? ais_image_label(img, AIS_LABEL_BUILDER) : NULL);
	if (!img) {
		tier_set(base, AIS_STATE_MISSING, NULL, NULL, NULL,
			 "image not found");
		return;
	}
	if (!foundation)
		snprintf(cause, sizeof(cause), "%s is missing", chain->foundation.tag);
	else
		snprintf(cause, sizeof(cause), "the foundation %s changed",
			 chain->foundation.tag);
	if (chain->custom_base) {
		v = ais_image_label(img, AIS_LABEL_BASE_DOCKERFILE_HASH);
		if (!same(v, chain->base_hash)) {
			tier_stale(base, AIS_LABEL_BASE_DOCKERFILE_HASH, v,
				   chain->base_hash,
				   v ? "~/.aishell/Dockerfile changed"
				     : "~/.aishell/Dockerfile was added");
			return;
		}
		v = ais_image_label(img, AIS_LABEL_BASE_INPUTS_HASH);
		if (v && !same(v, chain->base_inputs)) {
			tier_stale(base, AIS_LABEL_BASE_INPUTS_HASH, v,
				   chain->base_inputs,
				   "files read by COPY/ADD/RUN --mount in ~/.aishell/Dockerfile changed");
			return;
		}
		v = ais_image_label(img, AIS_LABEL_BASE_FOUNDATION_ID);
		if (!same(v, fid)) {
			tier_stale(base, AIS_LABEL_BASE_FOUNDATION_ID, v, fid, cause);
			return;
		}
	} else {
		v = ais_image_label(img, AIS_LABEL_BASE_DOCKERFILE_HASH);
		if (v) {
			tier_stale(base, AIS_LABEL_BASE_DOCKERFILE_HASH, v, NULL,
				   "~/.aishell/Dockerfile was removed");
			return;
		}
		if (!same(ais_image_id(img), fid)) {
			tier_stale(base, "id", ais_image_id(img), fid, cause);
			return;
		}
	}
	tier_set(base, AIS_STATE_FRESH, NULL, NULL, NULL, NULL);
}

void ais_chain_judge_ext(ais_chain *chain, const ais_image *base,
			 ais_state base_state, const ais_image *img)
{
	chain_tier *ext = &chain->ext;
	const char *bid = base ? ais_image_id(base) : NULL;
	const char *v;
	char cause[600];

	COPY(ext->id, img ? ais_image_id(img) : NULL);
	COPY(ext->builder, img ? ais_image_label(img, AIS_LABEL_BUILDER) : NULL);
	if (!img) {
		tier_set(ext, AIS_STATE_MISSING, NULL, NULL, NULL, "image not found");
		return;
	}
	v = ais_image_label(img, AIS_LABEL_EXTENSION_HASH);
	if (!same(v, chain->ext_hash)) {
		snprintf(cause, sizeof(cause), "%s changed", chain->ext_dockerfile);
		tier_stale(ext, AIS_LABEL_EXTENSION_HASH, v, chain->ext_hash, cause);
		tier_cause(ext, chain->ext_dockerfile);
		return;
	}
	v = ais_image_label(img, AIS_LABEL_EXTENSION_INPUTS_HASH);
	if (v && !same(v, chain->ext_inputs)) {
		snprintf(cause, sizeof(cause), "files read by COPY/ADD/RUN --mount in %s changed",
			 chain->ext_dockerfile);
		tier_stale(ext, AIS_LABEL_EXTENSION_INPUTS_HASH, v, chain->ext_inputs,
			   cause);
		return;
	}
	v = ais_image_label(img, AIS_LABEL_BASE_ID);
	if (!same(v, bid)) {
		if (bid)
			snprintf(cause, sizeof(cause), "%s changed since it was built",
				 chain->base.tag);
		else
			snprintf(cause, sizeof(cause), "%s is missing", chain->base.tag);
		tier_stale(ext, AIS_LABEL_BASE_ID, v, bid, cause);
		return;
	}
	if (base_state != AIS_STATE_FRESH) {
		tier_set(ext, AIS_STATE_STALE, NULL, NULL, NULL,
			 "%s is %s; this image is rebuilt after it",
			 chain->base.tag, ais_state_name(base_state));
		return;
	}
	tier_set(ext, AIS_STATE_FRESH, NULL, NULL, NULL, NULL);
}

typedef struct {
	chain_tier *tier;
	const char *context_dir;
	const char *dockerfile;      /* relative to context_dir */
	const char *parent_tag;      /* whose id is recorded */
	const char *parent_label;
	const char *hash_label;
	char *hash;                  /* chain's hash of the Dockerfile */
	const char *inputs_label;
	char *inputs;                /* chain's hash of its COPY/ADD inputs */
	ais_inputs *in;              /* the walk behind `inputs`, sent as context */
	bool ext;                    /* which tier's inputs `in` holds */
} build_plan;

/* Where the input manifest of image `id` is kept. */
static int manifest_path(ais_buf *out, const ais_chain *chain, const char *id)
{
	if (!ais_docker_id_valid(id))
		return ais_error_set(AIS_EINVALID,
				     "not an image id: '%.80s'", id);
	return ais_buf_printf(out, "%s/inputs/%s", chain->opts.state_dir, id + 7);
}

/* Keep the manifest of what image `id` was built from, so that status can
 * name the files that changed since.  Best effort: it only explains. */
static void manifest_save(const ais_chain *chain, const ais_inputs *in,
			  const char *id)
{
	ais_buf path = AIS_BUF_INIT, manifest = AIS_BUF_INIT;

	if (!chain->opts.state_dir)
		return;
	if (ais_buf_printf(&path, "%s/inputs", chain->opts.state_dir) == 0 &&
	    ais_fs_private_dir(path.ptr) == 0) {
		ais_buf_clear(&path);
		if (manifest_path(&path, chain, id) == 0 &&
		    ais_inputs_manifest(&manifest, in) == 0)
			ais_fs_write_atomic(path.ptr, ais_buf_cstr(&manifest),
					    manifest.size, 0600, 0);
	}
	ais_buf_dispose(&path);
	ais_buf_dispose(&manifest);
	ais_error_clear();
}

/* Add a path to a tier's cause list (best effort: it only explains). */
static void cause_add(const char *path, void *payload)
{
	chain_tier *t = payload;

	if (ais_buf_put(&t->cause, path, strlen(path) + 1) < 0)
		ais_error_clear();
}

/* Name in a tier's reason the files that changed since its image was
 * built, when the manifest of that build was kept; when they are the
 * project's (`project`), list them in t->cause too. */
static void manifest_explain(chain_tier *t, const ais_chain *chain,
			     const ais_inputs *now, const char *shown_as,
			     bool project)
{
	ais_buf path = AIS_BUF_INIT, old = AIS_BUF_INIT, list = AIS_BUF_INIT,
		cause = AIS_BUF_INIT, manifest = AIS_BUF_INIT;
	char label[64], have[128], want[128];

	if (!chain->opts.state_dir || !t->id[0] ||
	    manifest_path(&path, chain, t->id) < 0 ||
	    ais_buf_read_file(&old, path.ptr) < 0 ||
	    ais_inputs_manifest(&manifest, now) < 0)
		goto done;
	if (ais_inputs_diff(&list, &old, &manifest, 5) > 0 &&
	    ais_buf_printf(&cause, "files read by COPY/ADD/RUN --mount in %s changed: %s",
			   shown_as, ais_buf_cstr(&list)) == 0) {
		COPY(label, t->label);
		COPY(have, t->have);
		COPY(want, t->want);
		tier_stale(t, label, have, want, cause.ptr);
		if (project) {
			ais_inputs_each_change(&old, &manifest, cause_add, t);
			tier_sync(t);
		}
	}
done:
	ais_buf_dispose(&path);
	ais_buf_dispose(&old);
	ais_buf_dispose(&list);
	ais_buf_dispose(&cause);
	ais_buf_dispose(&manifest);
	ais_error_clear();
}

static int inspect_optional(ais_image **out, ais_docker *d, const char *ref)
{
	int error = ais_docker_image_inspect(out, d, ref);

	if (error == AIS_ENOTFOUND) {
		ais_error_clear();
		return 0;
	}
	return error;
}

static void judge_foundation(ais_chain *chain, const ais_image *foundation)
{
	COPY(chain->foundation.id, foundation ? ais_image_id(foundation) : NULL);
	if (foundation)
		tier_set(&chain->foundation, AIS_STATE_FRESH, NULL, NULL, NULL, NULL);
	else
		tier_set(&chain->foundation, AIS_STATE_MISSING, NULL, NULL, NULL,
			 "image not found");
}

/*
 * What the judgement needs from the engine: the connection and the three
 * images.  None of it depends on the walk of the build contexts, so it is
 * fetched on a second thread while the first one walks.  The error state
 * is per thread: the fetch keeps its error to be raised again by the
 * thread that reports it.
 */
typedef struct {
	ais_docker *d;
	const char *base_tag, *foundation_tag, *ext_tag; /* ext_tag: NULL, none */
	ais_image *base, *foundation, *ext;
	bool walking;       /* the first thread walks meanwhile */
	int connect_error;  /* connecting failed: before anything else */
	int error;          /* an inspect failed */
	ais_error failure;  /* the message of either */
} chain_fetch;

static void *fetch_images(void *p)
{
	chain_fetch *f = p;

	/* The walk's stat helper (fsutil.h) is made here, before libcurl is
	 * loaded: once the load runs, making it would wait for the load. */
	if (f->walking)
		(void)ais_fs_stat_helper_shared();
	if ((f->connect_error = ais_docker_connect(f->d)) < 0 ||
	    (f->error = inspect_optional(&f->base, f->d, f->base_tag)) < 0 ||
	    (f->error = inspect_optional(&f->foundation, f->d, f->foundation_tag)) < 0 ||
	    (f->ext_tag && (f->error = inspect_optional(&f->ext, f->d, f->ext_tag)) < 0))
		f->failure = *ais_error_last();
	return NULL;
}

/* Start fetch_images() on a thread that takes no signals (they stay the
 * main thread's, as without it); false when no thread could be made. */
static bool fetch_start(pthread_t *thread, chain_fetch *f)
{
	sigset_t all, old;
	bool started;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	started = pthread_create(thread, NULL, fetch_images, f) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return started;
}

/* Walk (when `walk`) and fetch, the two at once when a thread can be had.
 * The error reported is the one a run doing them in turn would meet
 * first: connecting to the engine, then the walk, then an inspect. */
static int chain_walk_and_fetch(ais_chain *chain, chain_fetch *f, bool walk)
{
	pthread_t thread;
	bool threaded;
	int error = 0;

	f->walking = walk;
	threaded = walk && fetch_start(&thread, f);

	if (!threaded)
		fetch_images(f);
	if (walk && (threaded || f->connect_error == 0))
		error = chain_hash_dockerfiles(chain);
	if (threaded)
		pthread_join(thread, NULL);
	if (f->connect_error < 0)
		return ais_error_set(f->connect_error, "%s", f->failure.message);
	if (error < 0)
		return error;
	if (f->error < 0)
		return ais_error_set(f->error, "%s", f->failure.message);
	return 0;
}

static int chain_check(ais_chain *chain, ais_docker *d, bool walk)
{
	chain_fetch f = { .d = d };
	int error;

	f.base_tag = chain->base.tag;
	f.foundation_tag = chain->foundation.tag;
	f.ext_tag = chain->has_ext ? chain->ext.tag : NULL;
	if ((error = chain_walk_and_fetch(chain, &f, walk)) < 0)
		goto done;
	judge_foundation(chain, f.foundation);
	ais_chain_judge_base(chain, f.foundation, f.base);
	if (!strcmp(chain->base.label, AIS_LABEL_BASE_INPUTS_HASH))
		manifest_explain(&chain->base, chain, &chain->run_base,
				 "~/.aishell/Dockerfile", false);
	if (chain->has_ext) {
		ais_chain_judge_ext(chain, f.base, chain->base.pub.state, f.ext);
		if (!strcmp(chain->ext.label, AIS_LABEL_EXTENSION_INPUTS_HASH))
			manifest_explain(&chain->ext, chain, &chain->run_ext,
					 chain->ext_dockerfile, true);
	}
done:
	ais_image_free(f.foundation);
	ais_image_free(f.base);
	ais_image_free(f.ext);
	return error;
}

int ais_chain_check(ais_chain *chain, ais_docker *d)
{
	ais_inputs_dispose(&chain->run_base);
	ais_inputs_dispose(&chain->run_ext);
	chain->walked = false;
	return chain_check(chain, d, true);
}

bool ais_chain_fresh(const ais_chain *chain)
{
	return chain->base.pub.state == AIS_STATE_FRESH &&
	       (!chain->has_ext || chain->ext.pub.state == AIS_STATE_FRESH);
}

/* After a tag moved: remove the image it left behind when nothing else
 * refers to it (no other tag, no container, no child image).  Failure is
 * harmless and silent: the image just stays, as with the original tool. */
static void drop_replaced(ais_docker *d, const char *old_id, const char *new_id)
{
	ais_image *old = NULL;

	if (!old_id[0] || !strcmp(old_id, new_id))
		return;
	if (ais_docker_image_inspect(&old, d, old_id) == 0 &&
	    ais_image_tag_count(old) == 0)
		ais_docker_image_remove(d, old_id);
	ais_image_free(old);
	ais_error_clear();
}

/* Build, verify that the recorded parent id and Dockerfile hash still hold,
 * then move the tag.  Nothing is tagged unless all of that succeeded. */

/* The BuildKit session the build fetches its context through, or NULL
 * for a tar (see ais_transfer).  With AIS_TRANSFER_AUTO a session that
 * cannot be opened falls back to the tar, with a note saying why. */
static int chain_session(ais_chain *chain, ais_docker *d, const build_plan *plan,
			 ais_session **out)
{
	ais_transfer how = chain->opts.transfer;
	int error;

	*out = NULL;
	if (how == AIS_TRANSFER_TAR || (how == AIS_TRANSFER_AUTO && chain->opts.force))
		return 0;
	if ((error = ais_session_start(out, d, plan->in->context)) == 0)
		return 0;
	if (how == AIS_TRANSFER_SESSION)
		return error;
	chain_note(chain, AIS_EVENT_WARN, plan->tier->tag,
		   "%s; sending the whole build context instead",
		   ais_error_last()->message);
	ais_error_clear();
	return 0;
}

/* The build through `session` ended with `error`: report what the session
 * sent, and its own failure in place of the engine's account of it. */
static int chain_session_end(ais_chain *chain, const build_plan *plan,
			     ais_session *session, int error)
{
	ais_session_counts n;
	ais_buf msg = AIS_BUF_INIT;
	int serr = ais_session_stop(session);

	ais_session_get_counts(session, &n);
	if (chain->opts.on_event &&
	    ais_buf_printf(&msg, "[context] %zu entries offered, %zu file%s sent (%llu bytes) through a BuildKit session",
			   n.offered, n.files, n.files == 1 ? "" : "s",
			   n.bytes) == 0) {
		ais_event ev = { .type = AIS_EVENT_BUILD_LINE, .tag = plan->tier->tag,
				 .text = ais_buf_cstr(&msg) };

		chain->opts.on_event(&ev, chain->opts.payload);
	}
	ais_buf_dispose(&msg);
	if (serr < 0 && error < 0)
		return ais_error_set(AIS_EBUILD, "the build context could not be sent: %s",
				     ais_error_last()->message);
	if (serr < 0)
		ais_error_clear();
	return error;
}

static int chain_build(ais_chain *chain, ais_docker *d, const build_plan *plan,
		       ais_build_result *failed)
{
	char parent_id[80], hash[AIS_H12_LEN + 1], inputs[AIS_H12_LEN + 1];
	ais_image *parent = NULL;
	ais_session *session = NULL;
	ais_build_result res;
	ais_buf tag_repo = AIS_BUF_INIT;
	const char *colon;
	bool pulled = false, sent_ok;
	int attempt, error = 0;

	ais_build_result_init(&res);
	if (chain->opts.registry && !chain->opts.force &&
	    (error = ais_registry_pull_tier(&res.image_id, chain, d,
					    plan->ext ? AIS_TIER_EXT : AIS_TIER_BASE,
					    plan->context_dir, plan->dockerfile,
					    plan->parent_tag)) != 0) {
		if (error < 0)
			goto done;
		pulled = true;
		error = 0;
	}
	bool buildkit = chain->opts.builder == AIS_BUILDER_BUILDKIT ||
			(chain->opts.builder == AIS_BUILDER_AUTO &&
			 ais_docker_buildkit_supported(d));

	for (attempt = 0; !pulled && attempt < CHAIN_BUILD_ATTEMPTS; attempt++) {
		const char *labels[13];
		size_t nl = 0;
		ais_build_opts opts = AIS_BUILD_OPTS_INIT;

		if ((error = ais_docker_image_inspect(&parent, d, plan->parent_tag)) < 0)
			goto done;
		COPY(parent_id, ais_image_id(parent));
		ais_image_free(parent);
		parent = NULL;
		/* Never record an empty id (the original does, and rebuilds forever). */
		if (strncmp(parent_id, "sha256:", 7) != 0) {
			error = ais_error_set(AIS_ERROR,
					      "cannot read the id of '%s'",
					      plan->parent_tag);
			goto done;
		}
		/* A walk is sent once: a second attempt walks again. */
		if ((attempt > 0 || !plan->in->context) &&
		    (error = chain_hash_inputs(chain, plan->ext)) < 0)
			goto done;
		COPY(hash, plan->hash);
		COPY(inputs, plan->inputs);
		labels[nl++] = plan->hash_label;
		labels[nl++] = hash;
		labels[nl++] = plan->parent_label;
		labels[nl++] = parent_id;
		labels[nl++] = plan->inputs_label;
		labels[nl++] = inputs;
		labels[nl++] = AIS_LABEL_BUILDER;
		labels[nl++] = buildkit ? "buildkit" : "legacy";
		labels[nl++] = AIS_LABEL_REPO;
		labels[nl++] = chain->opts.repo;
		labels[nl] = NULL;
		ais_context_set_flags(plan->in->context,
				      buildkit ? 0 : AIS_CONTEXT_SEND_DOCKERIGNORE);
		opts.dockerfile = plan->dockerfile;
		opts.labels = labels;
		opts.nocache = chain->opts.force;
		opts.buildkit = buildkit;
		opts.read = ais_context_read;
		opts.read_payload = plan->in->context;
		opts.on_event = chain->opts.on_event;
		opts.event_payload = chain->opts.payload;
		opts.event_tag = plan->tier->tag;
		if (chain->opts.on_event) {
			ais_event ev = { .type = AIS_EVENT_BUILD_START,
					 .tag = plan->tier->tag,
					 .text = plan->tier->pub.reason };

			chain->opts.on_event(&ev, chain->opts.payload);
		}
		if (buildkit && (error = chain_session(chain, d, plan, &session)) < 0)
			goto done;
		if (session) {
			opts.session = ais_session_id(session);
			opts.dockerfile = ais_session_dockerfile(session);
			opts.read = NULL;
		}
		ais_build_result_dispose(&res);
		error = ais_docker_build(&res, d, &opts);
		if (session) {
			error = chain_session_end(chain, plan, session, error);
			sent_ok = ais_session_sent_as_expected(session);
			ais_session_free(session);
			session = NULL;
		} else {
			sent_ok = ais_context_sent_as_expected(plan->in->context);
		}
		if (error < 0) {
			if (failed) {
				ais_build_result_dispose(failed);
				*failed = res;
				ais_build_result_init(&res);
			}
			goto done;
		}
		/* Did the parent change while we built, or did the Dockerfile
		 * or a file it reads go out other than as it was hashed? */
		if ((error = ais_docker_image_inspect(&parent, d, plan->parent_tag)) < 0)
			goto done;
		if (!strcmp(ais_image_id(parent), parent_id) && sent_ok)
			break;
		chain_note(chain, AIS_EVENT_WARN, plan->tier->tag,
			   "%s changed during the build; building again",
			   strcmp(ais_image_id(parent), parent_id)
				   ? plan->parent_tag
				   : "the Dockerfile or a file it reads");
		ais_image_free(parent);
		parent = NULL;
		ais_docker_image_remove(d, ais_buf_cstr(&res.image_id));
		ais_error_clear();
	}
	if (attempt == CHAIN_BUILD_ATTEMPTS) {
		error = ais_error_set(AIS_ERROR,
				      "%s kept changing while %s was built",
				      plan->parent_tag, plan->tier->tag);
		goto done;
	}
	colon = strrchr(plan->tier->tag, ':');
	if ((error = ais_buf_put(&tag_repo, plan->tier->tag,
				 (size_t)(colon - plan->tier->tag))) < 0 ||
	    (error = ais_docker_image_tag(d, ais_buf_cstr(&res.image_id),
					  tag_repo.ptr, colon + 1)) < 0)
		goto done;
	COPY(plan->tier->old_id, plan->tier->id);
	COPY(plan->tier->id, ais_buf_cstr(&res.image_id));
	plan->tier->pub.action = pulled ? AIS_ACTION_PULLED : AIS_ACTION_BUILT;
	if (!pulled)
		COPY(plan->tier->builder, buildkit ? "buildkit" : "legacy");
	manifest_save(chain, plan->in, plan->tier->id);
	if (plan->tier == &chain->ext)
		ais_origin_set_project(chain->opts.state_dir, chain->h12,
				       chain->opts.project_dir);
	tier_set(plan->tier, AIS_STATE_FRESH, NULL, NULL, NULL, NULL);
	drop_replaced(d, plan->tier->old_id, plan->tier->id);
	if (!pulled) {
		ais_event ev = { .type = AIS_EVENT_BUILD_DONE, .tag = plan->tier->tag,
				 .text = plan->tier->id };

		if (chain->opts.on_event)
			chain->opts.on_event(&ev, chain->opts.payload);
	}
done:
	ais_session_free(session);
	ais_image_free(parent);
	ais_build_result_dispose(&res);
	ais_buf_dispose(&tag_repo);
	return error;
}

/* Take the lock of `tag`; *waited tells whether another holder had it. */
typedef struct {
	const ais_chain *chain;
	bool waited;
} lock_probe;

static void lock_probe_cb(const ais_event *ev, void *payload)
{
	lock_probe *probe = payload;

	if (ev->type == AIS_EVENT_WAIT)
		probe->waited = true;
	if (probe->chain->opts.on_event)
		probe->chain->opts.on_event(ev, probe->chain->opts.payload);
}

static int chain_lock(ais_lock *lock, const ais_chain *chain, const char *tag,
		      bool *waited)
{
	lock_probe probe = { chain, false };
	int error = ais_lock_acquire(lock, chain->opts.lock_dir, tag,
				     chain->opts.cancel, lock_probe_cb, &probe);

	*waited = probe.waited;
	return error;
}

static int chain_ensure_base(ais_chain *chain, ais_docker *d,
			     ais_build_result *failed)
{
	ais_image *foundation = NULL, *base = NULL;
	ais_lock lock = AIS_LOCK_INIT;
	bool waited;
	int error;

	if ((error = chain_lock(&lock, chain, chain->base.tag, &waited)) < 0)
		return error;
	/* Someone may have done the work while we waited, and the files may
	 * have changed meanwhile: judge again from scratch.  Without a wait
	 * the walk of the check still holds. */
	if ((chain->custom_base && (waited || !chain->run_base.context) &&
	     (error = chain_hash_inputs(chain, false)) < 0) ||
	    (error = inspect_optional(&foundation, d, chain->foundation.tag)) < 0 ||
	    (error = inspect_optional(&base, d, chain->base.tag)) < 0)
		goto done;
	if (!foundation && chain->opts.registry &&
	    (error = ais_registry_pull_foundation(&foundation, chain, d)) < 0)
		goto done;
	judge_foundation(chain, foundation);
	if (!foundation) {
		error = ais_error_set(AIS_ENOTFOUND,
				      "no image '%s': run the original aishell's 'aishell setup', or build or tag any image as '%s'",
				      chain->foundation.tag, chain->foundation.tag);
		goto done;
	}
	ais_chain_judge_base(chain, foundation, base);
	if (chain->base.pub.state == AIS_STATE_FRESH &&
	    !(chain->custom_base && chain->opts.force))
		goto done;
	if (!chain->custom_base) {
		const char *colon = strrchr(chain->base.tag, ':');
		ais_buf repo = AIS_BUF_INIT;

		if ((error = ais_buf_put(&repo, chain->base.tag,
					 (size_t)(colon - chain->base.tag))) == 0)
			error = ais_docker_image_tag(d, ais_image_id(foundation),
						     repo.ptr, colon + 1);
		ais_buf_dispose(&repo);
		if (error < 0)
			goto done;
		chain_note(chain, AIS_EVENT_NOTE, chain->base.tag,
			   "tagged %s as %s", chain->foundation.tag, chain->base.tag);
		COPY(chain->base.old_id, chain->base.id);
		COPY(chain->base.id, ais_image_id(foundation));
		chain->base.pub.action = AIS_ACTION_TAGGED;
		tier_set(&chain->base, AIS_STATE_FRESH, NULL, NULL, NULL, NULL);
		drop_replaced(d, chain->base.old_id, chain->base.id);
	} else {
		build_plan plan = {
			.tier = &chain->base,
			.context_dir = chain->global_dir,
			.dockerfile = "Dockerfile",
			.parent_tag = chain->foundation.tag,
			.parent_label = AIS_LABEL_BASE_FOUNDATION_ID,
			.hash_label = AIS_LABEL_BASE_DOCKERFILE_HASH,
			.hash = chain->base_hash,
			.inputs_label = AIS_LABEL_BASE_INPUTS_HASH,
			.inputs = chain->base_inputs,
			.in = &chain->run_base,
			.ext = false,
		};

		if (chain->base.pub.state == AIS_STATE_FRESH)
			tier_reason(&chain->base, "--force");
		error = chain_build(chain, d, &plan, failed);
	}
done:
	ais_image_free(foundation);
	ais_image_free(base);
	ais_lock_release(&lock);
	return error;
}

static int chain_ensure_ext(ais_chain *chain, ais_docker *d,
			    ais_build_result *failed)
{
	ais_image *base = NULL, *ext = NULL;
	ais_lock lock = AIS_LOCK_INIT;
	bool waited;
	int error;

	if ((error = chain_lock(&lock, chain, chain->ext.tag, &waited)) < 0)
		return error;
	if (((waited || !chain->run_ext.context) &&
	     (error = chain_hash_inputs(chain, true)) < 0) ||
	    (error = ais_docker_image_inspect(&base, d, chain->base.tag)) < 0 ||
	    (error = inspect_optional(&ext, d, chain->ext.tag)) < 0)
		goto done;
	ais_chain_judge_ext(chain, base, AIS_STATE_FRESH, ext);
	if (chain->ext.pub.state != AIS_STATE_FRESH || chain->opts.force) {
		build_plan plan = {
			.tier = &chain->ext,
			.context_dir = chain->opts.project_dir,
			.dockerfile = chain->ext_dockerfile,
			.parent_tag = chain->base.tag,
			.parent_label = AIS_LABEL_BASE_ID,
			.hash_label = AIS_LABEL_EXTENSION_HASH,
			.hash = chain->ext_hash,
			.inputs_label = AIS_LABEL_EXTENSION_INPUTS_HASH,
			.inputs = chain->ext_inputs,
			.in = &chain->run_ext,
			.ext = true,
		};

		if (chain->ext.pub.state == AIS_STATE_FRESH)
			tier_reason(&chain->ext, "--force");
		error = chain_build(chain, d, &plan, failed);
	}
done:
	ais_image_free(base);
	ais_image_free(ext);
	ais_lock_release(&lock);
	return error;
}

int ais_chain_ensure(ais_chain *chain, ais_docker *d, ais_build_result *failed)
{
	int error;

	/* The walk of a check just before (the hook's) still holds: a file
	 * that changes after it is caught when its build is sent. */
	if ((error = chain_check(chain, d, !chain->walked)) < 0)
		goto done;
	if (chain->base.pub.state != AIS_STATE_FRESH ||
	    (chain->custom_base && chain->opts.force)) {
		if ((error = chain_ensure_base(chain, d, failed)) < 0)
			goto done;
	}
	if (chain->has_ext &&
	    (chain->ext.pub.state != AIS_STATE_FRESH || chain->opts.force ||
	     chain->base.pub.action != AIS_ACTION_NONE))
		error = chain_ensure_ext(chain, d, failed);
done:
	/* What was sent is spent: the next check or ensure walks again. */
	ais_inputs_dispose(&chain->run_base);
	ais_inputs_dispose(&chain->run_ext);
	chain->walked = false;
	return error;
}
