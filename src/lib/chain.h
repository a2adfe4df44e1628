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

#include "docker.h"
#include "event.h"
#include "hash.h"

#include <limits.h>
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

/* What is known about one tier. */
typedef struct {
	char tag[512];
	char id[80];          /* "sha256:...", "" when missing */
	ais_state state;
	char reason[1024];    /* why it is stale or missing, "" when fresh */
	char label[64];       /* the label (or "id") that differs */
	char have[128];       /* its value on the image ("" when absent) */
	char want[128];       /* the value it should have */
	ais_action action;    /* what ensure did */
	char old_id[80];      /* the id the tag had before ensure moved it */
	char builder[16];     /* aishell.builder of the image, "" if absent */
	char cause[1024];     /* the project files the reason names, relative
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
	ais_registry *registry;  /* pull before building (NULL: none) */
	ais_event_cb on_event;
	void *payload;
	const volatile sig_atomic_t *cancel;
} ais_chain_opts;

typedef struct {
	ais_chain_opts opts;
	char h12[AIS_H12_LEN + 1];             /* H12(project_dir) */
	char global_dir[PATH_MAX];             /* home/.aishell */
	bool custom_base;                      /* global Dockerfile exists */
	char base_hash[AIS_H12_LEN + 1];       /* H12(global Dockerfile) */
	char base_inputs[AIS_H12_LEN + 1];     /* its COPY/ADD inputs hash (check) */
	bool has_ext;                          /* project Dockerfile exists */
	char config_dir[16];                   /* ".aishell", ".sandbox" or "" */
	char ext_dockerfile[32];               /* "<config_dir>/Dockerfile" */
	char ext_hash[AIS_H12_LEN + 1];        /* H12(project Dockerfile) */
	char ext_inputs[AIS_H12_LEN + 1];      /* its COPY/ADD inputs hash (check) */
	ais_tier foundation, base, ext;
} ais_chain;

/* Resolve tags, paths and Dockerfile hashes (no engine contact).
 * AIS_EINVALID when both .aishell and .sandbox exist or a Dockerfile is
 * not a regular file. */
int ais_chain_init(ais_chain *chain, const ais_chain_opts *opts);

/* Hash the files each Dockerfile COPYs or ADDs (a walk of the build
 * contexts, which ais_chain_init leaves out), inspect the three images and
 * judge each tier. */
int ais_chain_check(ais_chain *chain, ais_docker *d);

/* True when nothing needs building or tagging (after ais_chain_check). */
bool ais_chain_fresh(const ais_chain *chain);

/* Make base (and ext when the project has a Dockerfile) fresh: tag or
 * build what is stale under the tag locks, re-checking under the lock.
 * A failed build leaves the old tag in place; its details go to *failed.
 * Calls ais_chain_check itself. */
int ais_chain_ensure(ais_chain *chain, ais_docker *d, ais_build_result *failed);

const char *ais_state_name(ais_state state);
const char *ais_action_name(ais_action action);

/* Judging, exposed for tests.  Any image may be NULL (missing). */
void ais_chain_judge_base(ais_tier *base, const ais_chain *chain,
			  const ais_image *foundation, const ais_image *img);
void ais_chain_judge_ext(ais_tier *ext, const ais_chain *chain,
			 const ais_image *base, const ais_tier *base_tier,
			 const ais_image *img);

#endif
