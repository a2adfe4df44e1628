/*
 * gitid.h - what aishell reads from git for a project, with libgit2.
 */
#ifndef AIS_GITID_H
#define AIS_GITID_H

#include "buf.h"

#include <stdbool.h>

typedef struct {
	ais_buf name;       /* user.name, "" when unset or blank */
	ais_buf email;      /* user.email, "" when unset or blank */
	ais_buf common_dir; /* the repository's common git dir when it lies
			     * outside the project (a worktree or a project
			     * below the repository root), else "" */
} ais_gitid;

#define AIS_GITID_INIT { AIS_BUF_INIT, AIS_BUF_INIT, AIS_BUF_INIT }

/* Read user.name and user.email as `git config` run in `project_dir` would
 * (repository, global, XDG and system config; outside a repository the
 * global ones).  A repository that cannot be opened is not an error: its
 * config is skipped and the reason goes to *warning (may be NULL). */
int ais_gitid_read(ais_gitid *out, const char *project_dir, ais_buf *warning);

void ais_gitid_dispose(ais_gitid *id);

/* Whether `path` (absolute, physical) is in the index of the repository
 * that holds `project_dir`; false outside a repository or its work tree. */
int ais_gitid_tracked(bool *out, const char *project_dir, const char *path);

#endif
