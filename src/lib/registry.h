/*
 * registry.h - a container registry as a cache of the image chain.
 *
 * Images are shared under content keys that are equal on every machine
 * for equal inputs:
 *   <registry>:base-<key>  key = hash(~/.aishell/Dockerfile bytes, manifest
 *                          of the files it COPY/ADDs, foundation id)
 *   <registry>:ext-<key>   key = hash(project Dockerfile bytes, manifest of
 *                          its COPY/ADD inputs, base id)
 *   <registry>:foundation  the team's foundation (pushed by `aishell push`,
 *                          pulled when there is none here)
 * A key is AIS_REGISTRY_KEY_LEN hex digits of SHA-256.  A changed input
 * changes the key, so an image built from other inputs is never pulled.
 *
 * The engine pulls and pushes; credentials are found as the docker CLI
 * finds them (config.json credHelpers, credsStore, auths) and sent as
 * X-Registry-Auth.
 */
#ifndef AIS_REGISTRY_H
#define AIS_REGISTRY_H

#include "buf.h"
#include "chain.h"
#include "docker.h"

#include <stdbool.h>

#define AIS_REGISTRY_KEY_LEN 32

typedef struct {
	const char *ref;           /* host[:port]/path */
	const char *source;        /* where the setting came from (messages) */
	const char *docker_config; /* directory of config.json; NULL: home/.docker */
	const char *home;
} ais_registry_opts;

/* AIS_EINVALID when ref is not host[:port]/path (lowercase path, no tag). */
int ais_registry_new(ais_registry **out, const ais_registry_opts *opts);
void ais_registry_free(ais_registry *r);

/* The registry repository, e.g. "127.0.0.1:5000/team/aishell". */
const char *ais_registry_ref(const ais_registry *r);

/* Where the setting came from, e.g. "AISHELL_REGISTRY". */
const char *ais_registry_source(const ais_registry *r);

/* Whether `ref` is usable as a registry repository. */
bool ais_registry_valid(const char *ref);

/* The content key of a tier: tier name ("base", "ext"), the Dockerfile's
 * bytes, the input manifest (see inputs.h) and the parent image id. */
int ais_registry_key(char out[AIS_REGISTRY_KEY_LEN + 1], const char *tier,
		     const char *dockerfile_path, const ais_buf *manifest,
		     const char *parent_id);

/* The X-Registry-Auth value for the registry (base64url JSON; "e30=",
 * i.e. {}, when config.json has nothing for it).  AIS_ERROR when a
 * credential helper fails. */
int ais_registry_auth(ais_buf *out, ais_registry *r);

/*
 * Called by the chain under the tier's lock, before it builds a stale
 * base or ext (`name`): pull <registry>:<tier>-<key> and tag it as the
 * tier's tag.
 * 1 when pulled (its id in *id), 0 when not (not in the registry, or the
 * registry is unusable: then one warning for the run, and no more pulls),
 * < 0 only when interrupted or the engine fails.
 */
int ais_registry_pull_tier(ais_buf *id, ais_chain *chain, ais_docker *d,
			   ais_tier_name name, const char *context_dir,
			   const char *dockerfile, const char *parent_tag);

/* No foundation here: pull <registry>:foundation and tag it; *foundation
 * is then its description (else left NULL, with a warning). */
int ais_registry_pull_foundation(ais_image **foundation, ais_chain *chain,
				 ais_docker *d);

/* Push the chain's built tiers (a custom base, the ext) under their keys,
 * and with `foundation` also <registry>:foundation.  The chain must be
 * fresh (after ais_chain_ensure).  AIS_ERROR naming the registry when a
 * push fails; local images are left as they are. */
int ais_registry_push(ais_chain *chain, ais_docker *d, bool foundation);

/* Where a tier's image came from, for status: "pulled from <ref>",
 * "aliased to <foundation>", "built here", or "" when there is none. */
int ais_registry_origin(ais_buf *out, const ais_chain *chain,
			ais_tier_name name);

#endif
