/*
 * chain_internal.h - the chain's state, for the modules that build and
 * pull its images (chain.c, registry.c) and for the unit tests.  Everything
 * else goes through the accessors of chain.h.
 */
#ifndef AIS_CHAIN_INTERNAL_H
#define AIS_CHAIN_INTERNAL_H

#include "chain.h"
#include "hash.h"
#include "inputs.h"

#include <limits.h>

/* One tier.  `pub` is the view ais_chain_tier hands out: its strings point
 * into the fields below (tier_sync in chain.c keeps `reason` and `cause`,
 * which may move, up to date). */
typedef struct {
	ais_tier pub;
	char tag[512];
	char id[80];
	char label[64];
	char have[128];
	char want[128];
	char old_id[80];
	char builder[16];
	ais_buf reason;
	ais_buf cause;        /* "path\0path\0" (the buffer's NUL ends it) */
} chain_tier;

struct ais_chain {
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
	chain_tier foundation, base, ext;
	/* The walks of the last check, reused by ensure: each tier's inputs
	 * are computed once per run. */
	ais_inputs run_base, run_ext;
	bool walked;
};

/* Judging, exposed for tests.  Any image may be NULL (missing).  The ext
 * is also stale when `base_state` is not fresh. */
void ais_chain_judge_base(ais_chain *chain, const ais_image *foundation,
			  const ais_image *img);
void ais_chain_judge_ext(ais_chain *chain, const ais_image *base,
			 ais_state base_state, const ais_image *img);

#endif
