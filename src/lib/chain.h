/*
 * chain.h - the foundation -> base -> ext image chain: staleness and ensure.
 *
 * Tags, labels and rules follow the original aishell so that images built
 * by either tool are fresh to the other:
 *   <repo>:foundation  externally owned; only its id is compared
 *   <repo>:base        alias (a tag of foundation) or a build of
 *                      ~/.aishell/Dockerfile labelled with
 *                      aishell.base.dockerfile.hash, aishell.base.foundation.id
 *   <repo>:ext-<H12>   a build of <project>/.aishell/Dockerfile (or
 *                      .sandbox/) labelled with aishell.base.id,
 *                      aishell.extension.hash
 */
#ifndef AIS_CHAIN_H
#define AIS_CHAIN_H

#include "buf.h"
#include "docker.h"
#include "event.h"

#include <signal.h>
#include <stdbool.h>

#define AIS_LABEL_BASE_DOCKERFILE_HASH "aishell.base.dockerfile.hash"
#define AIS_LABEL_BASE_FOUNDATION_ID "aishell.base.foundation.id"
#define AIS_LABEL_BASE_ID "aishell.base.id"
#define AIS_LABEL_EXTENSION_HASH "aishell.extension.hash"
/* Written by this tool only (the original ignores them). */
/* H12 of the manifest of the files COPY/ADD read (see inputs.h); an image
 * without it (built by the original) is judged by its Dockerfile alone. */
#define AIS_LABEL_BASE_INPUTS_HASH "aishell.base.inputs.hash"
#define AIS_LABEL_EXTENSION_INPUTS_HASH "aishell.extension.inputs.hash"
/* The image repository the chain was built under.  The project directory
 * label was written by earlier versions only: the project of an ext is now
 * kept on the machine (origin.h), as images are shared between machines. */
#define AIS_LABEL_REPO "aishell.repo"
#define AIS_LABEL_PROJECT_DIR "aishell.project.dir"
/* Which builder made the image: "buildkit" or "legacy". */
#define AIS_LABEL_BUILDER "aishell.builder"

typedef enum {
	AIS_BUILDER_AUTO,     /* BuildKit when the engine supports it */
	AIS_BUILDER_LEGACY,
	AIS_BUILDER_BUILDKIT
} ais_builder;

/* How a BuildKit build gets its context. */
typedef enum {
	AIS_TRANSFER_AUTO,    /* a session, except with force: a tar */
	AIS_TRANSFER_TAR,     /* a tar in the body of POST /build */
	AIS_TRANSFER_SESSION  /* a session, or the build fails */
} ais_transfer;

typedef enum {
	AIS_STATE_FRESH,
	AIS_STATE_STALE,
	AIS_STATE_MISSING
} ais_state;

typedef enum {
	AIS_ACTION_NONE,
	AIS_ACTION_TAGGED,
	AIS_ACTION_BUILT,
	AIS_ACTION_PULLED     /* from the registry (registry.h) */
} ais_action;

typedef struct ais_registry ais_registry;

/* The chain: its tags, Dockerfiles and what is known about each image.
 * Opaque; see the accessors below. */
typedef struct ais_chain ais_chain;

typedef enum {
	AIS_TIER_FOUNDATION,
	AIS_TIER_BASE,
	AIS_TIER_EXT,
	AIS_TIER_COUNT
} ais_tier_name;

/* What is known about one tier.  A view into the chain: the strings stay
 * valid until the next ais_chain_check/ensure/push or ais_chain_free. */
typedef struct {
	const char *tag;
	const char *id;       /* "sha256:...", "" when missing */
	ais_state state;
	const char *reason;   /* why it is stale or missing, "" when fresh */
	const char *label;    /* the label (or "id") that differs */
	const char *have;     /* its value on the image ("" when absent) */
	const char *want;     /* the value it should have */
	ais_action action;    /* what ensure did */
	const char *old_id;   /* the id the tag had before ensure moved it */
	const char *builder;  /* aishell.builder of the image, "" if absent */
	const char *cause;    /* the project files the reason names, relative
			       * to the project: "path\0path\0\0" ("" none) */
} ais_tier;

typedef struct {
	const char *repo;        /* "aishell" or AISHELL_IMAGE_REPO */
	const char *project_dir; /* physical absolute path */
	const char *home;        /* the user's home; global dir is home/.aishell */
	const char *lock_dir;    /* where tag locks live */
	const char *cache_dir;   /* stat cache of build inputs (NULL: none) */
	const char *state_dir;   /* input manifests of built images (NULL: none) */
	bool force;              /* rebuild custom base and ext without cache */
	ais_builder builder;     /* which builder to use */
	ais_transfer transfer;   /* how BuildKit gets the context (see session.h) */
	ais_registry *registry;  /* pull before building (NULL: none) */
	ais_event_cb on_event;
	void *payload;
	const volatile sig_atomic_t *cancel;
} ais_chain_opts;

/* Resolve tags, paths and Dockerfile hashes (no engine contact).  The
 * chain keeps copies of the strings of `opts`.  AIS_EINVALID when both
 * .aishell and .sandbox exist or a Dockerfile is not a regular file. */
int ais_chain_new(ais_chain **out, const ais_chain_opts *opts);
void ais_chain_free(ais_chain *chain);

/* Hash the files each Dockerfile COPYs or ADDs (a walk of the build
 * contexts, which ais_chain_new leaves out), inspect the three images and
 * judge each tier. */
int ais_chain_check(ais_chain *chain, ais_docker *d);

/* True when nothing needs building or tagging (after ais_chain_check). */
bool ais_chain_fresh(const ais_chain *chain);

/* Make base (and ext when the project has a Dockerfile) fresh: tag or
 * build what is stale under the tag locks, re-checking under the lock.
 * The walk of an earlier ais_chain_check is reused.  A failed build leaves
 * the old tag in place; its details go to *failed. */
int ais_chain_ensure(ais_chain *chain, ais_docker *d, ais_build_result *failed);

/* A tier; NULL for the ext when the project has no Dockerfile. */
const ais_tier *ais_chain_tier(const ais_chain *chain, ais_tier_name name);

/* The image containers run: the ext, else the base. */
const ais_tier *ais_chain_run_tier(const ais_chain *chain);

const ais_chain_opts *ais_chain_options(const ais_chain *chain);

/* "<home>/.aishell": the global Dockerfile and config.yaml live there. */
const char *ais_chain_global_dir(const ais_chain *chain);

/* The project's configuration directory, ".aishell" or ".sandbox"; NULL
 * when it has neither. */
const char *ais_chain_config_dir(const ais_chain *chain);

/* H12 of the project directory: the ext tag's suffix. */
const char *ais_chain_project_key(const ais_chain *chain);

/* The path of the Dockerfile the base (`AIS_TIER_BASE`) or the ext is
 * built from; AIS_ENOTFOUND when there is none (an alias base, a project
 * without a Dockerfile). */
int ais_chain_dockerfile(ais_buf *out, const ais_chain *chain,
			 ais_tier_name name);

/* H12 of the text of the Dockerfile the base or ext is built from; NULL
 * when there is none. */
const char *ais_chain_dockerfile_hash(const ais_chain *chain,
				      ais_tier_name name);

/* Pull from / push to this registry from now on (NULL: none). */
void ais_chain_set_registry(ais_chain *chain, ais_registry *registry);

const char *ais_state_name(ais_state state);
const char *ais_action_name(ais_action action);

#endif
