/*
 * prune.h - remove the images a chain no longer needs.
 *
 * Candidates: <repo>:ext-* images whose project directory (recorded on
 * this machine, see origin.h, or the aishell.project.dir label of images
 * built by earlier versions) is gone or no longer has a .aishell/ or .sandbox/
 * Dockerfile, and dangling (untagged) images the chain left behind
 * (labelled aishell.repo=<repo>; for the default repository also the
 * original tool's untagged base and ext builds).  Never the foundation or
 * the current base; never an ext this machine knows no project of (it may
 * have been pulled for a project under another path); never an image a
 * container uses (the engine refuses with 409, and the image is reported
 * as kept), nor one whose project cannot be checked (a stat() failure
 * other than ENOENT or ENOTDIR: kept, with the reason).  Each ext tag is
 * judged under its lock.
 */
#ifndef AIS_PRUNE_H
#define AIS_PRUNE_H

#include "docker.h"
#include "event.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
	AIS_PRUNE_REMOVED,   /* removed (or, in a dry run, would be) */
	AIS_PRUNE_KEPT       /* a candidate that could not be removed */
} ais_prune_outcome;

typedef struct {
	char id[80];
	char tag[512];       /* "" for a dangling image */
	char project[1024];  /* aishell.project.dir, "" when none */
	char reason[256];    /* why it is a candidate, or why it was kept */
	ais_prune_outcome outcome;
} ais_prune_item;

typedef struct {
	ais_prune_item *items;
	size_t count;
} ais_prune_result;

typedef struct {
	const char *repo;
	const char *lock_dir;  /* ext removal takes the tag's lock */
	const char *state_dir; /* the machine's records of ext projects */
	bool dry_run;
	const volatile sig_atomic_t *cancel; /* stops a wait for a tag lock */
	ais_event_cb on_event; /* told when waiting for a tag lock */
	void *payload;
} ais_prune_opts;

int ais_prune(ais_prune_result *out, ais_docker *d, const ais_prune_opts *opts);

void ais_prune_result_dispose(ais_prune_result *res);

/* Why the ext image of `project` (its aishell.project.dir) is no longer
 * needed, written to `why`: the directory is gone (ENOENT/ENOTDIR only),
 * or has no .aishell/ or .sandbox/ Dockerfile.  NULL while it is needed,
 * or when that cannot be told (another user's directory, say). */
const char *ais_prune_ext_unneeded(char *why, size_t len, const char *project);

#endif
