#include "test.h"

#include "buf.h"
#include "error.h"
#include "hooks.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static char *slurp(const char *path)
{
	ais_buf b = AIS_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ais_buf_put(&b, chunk, n);
	fclose(f);
	if (!b.ptr)
		ais_buf_puts(&b, "");
	return ais_buf_detach(&b);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- hooks dir resolution ----------------------------------------------- */

TEST(hooks_resolve_default)
{
	ais_buf b = AIS_BUF_INIT;

	CHECK_INT(ais_hooks_resolve_dir(&b, NULL, "/w", "/w/.git", "/w/.git/", "/h"), 0);
	CHECK_STR(b.ptr, "/w/.git/hooks");
	/* A linked worktree: hooks live in the common dir, not the worktree's gitdir. */
	CHECK_INT(ais_hooks_resolve_dir(&b, "", "/l", "/w/.git/worktrees/l",
					"/w/.git", "/h"), 0);
	CHECK_STR(b.ptr, "/w/.git/hooks");
	ais_buf_dispose(&b);
}

TEST(hooks_resolve_hooks_path)
{
	ais_buf b = AIS_BUF_INIT;

	/* Relative: against the worktree root (each worktree its own). */
	CHECK_INT(ais_hooks_resolve_dir(&b, ".githooks", "/w/", "/w/.git", "/w/.git", "/h"), 0);
	CHECK_STR(b.ptr, "/w/.githooks");
	CHECK_INT(ais_hooks_resolve_dir(&b, "tools/hooks/", "/l", "/w/.git/worktrees/l",
					"/w/.git", "/h"), 0);
	CHECK_STR(b.ptr, "/l/tools/hooks");
	/* Bare repository: against the git dir. */
	CHECK_INT(ais_hooks_resolve_dir(&b, "hooks2", NULL, "/r.git", "/r.git", "/h"), 0);
	CHECK_STR(b.ptr, "/r.git/hooks2");
	CHECK_INT(ais_hooks_resolve_dir(&b, "/etc/git-hooks//", "/w", "/w/.git", "/w/.git", "/h"), 0);
	CHECK_STR(b.ptr, "/etc/git-hooks");
	/* ~ and ~user. */
	CHECK_INT(ais_hooks_resolve_dir(&b, "~/hooks", "/w", "/w/.git", "/w/.git", "/home/u/"), 0);
	CHECK_STR(b.ptr, "/home/u/hooks");
	CHECK_INT(ais_hooks_resolve_dir(&b, "~", "/w", "/w/.git", "/w/.git", "/home/u"), 0);
	CHECK_STR(b.ptr, "/home/u");
	CHECK_INT(ais_hooks_resolve_dir(&b, "~root/h", "/w", "/w/.git", "/w/.git", "/home/u"), 0);
	CHECK(strcmp(b.ptr, "/root/h") == 0 || strstr(b.ptr, "/h") != NULL);
	CHECK_INT(ais_hooks_resolve_dir(&b, "~no-such-user-xyz/h", "/w", "/w/.git",
					"/w/.git", "/home/u"), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "no user 'no-such-user-xyz'") != NULL);
	CHECK_INT(ais_hooks_resolve_dir(&b, "~/h", "/w", "/w/.git", "/w/.git", ""),
		  AIS_EINVALID);
	ais_buf_dispose(&b);
}

/* ---- shim text ------------------------------------------------------------ */

TEST(hooks_sh_quote)
{
	ais_buf b = AIS_BUF_INIT;

	ais_hooks_sh_quote(&b, "/usr/bin/aishell");
	CHECK_STR(b.ptr, "'/usr/bin/aishell'");
	ais_buf_clear(&b);
	ais_hooks_sh_quote(&b, "it's $(x) `y` \"z\"");
	CHECK_STR(b.ptr, "'it'\\''s $(x) `y` \"z\"'");
	ais_buf_clear(&b);
	ais_hooks_sh_quote(&b, "");
	CHECK_STR(b.ptr, "''");
	ais_buf_dispose(&b);
}

TEST(hooks_render_is_the_template)
{
	static const char *bins[] = { "/usr/local/bin/aishell", "",
				      "/o'dd $(touch x)/`y`/a b/aishell" };
	ais_buf out = AIS_BUF_INIT, want = AIS_BUF_INIT, q = AIS_BUF_INIT;
	ais_buf rec = AIS_BUF_INIT;
	const char *t = ais_hooks_shim_template, *at;
	size_t i;

	at = strstr(t, "@AISHELL_BIN@");
	CHECK(at != NULL);
	CHECK(strncmp(t, "#!/bin/sh\n" AIS_HOOKS_MARKER, 10 + strlen(AIS_HOOKS_MARKER)) == 0);
	for (i = 0; at && i < sizeof(bins) / sizeof(bins[0]); i++) {
		ais_buf_clear(&out);
		ais_buf_clear(&want);
		ais_buf_clear(&q);
		CHECK_INT(ais_hooks_render(&out, bins[i]), 0);
		/* The template with the placeholder (inside its quotes) replaced. */
		ais_hooks_sh_quote(&q, bins[i]);
		ais_buf_put(&want, t, (size_t)(at - 1 - t));
		ais_buf_puts(&want, q.ptr);
		ais_buf_puts(&want, at + strlen("@AISHELL_BIN@") + 1);
		CHECK_STR(out.ptr, want.ptr);
		CHECK(ais_hooks_is_ours(out.ptr, out.size));
		CHECK_INT(ais_hooks_parse_recorded(&rec, out.ptr), 0);
		CHECK_STR(ais_buf_cstr(&rec), bins[i]);
	}
	ais_buf_clear(&out);
	CHECK_INT(ais_hooks_render(&out, NULL), 0);
	CHECK(strstr(out.ptr, "\naishell_bin=''\n") != NULL);
	ais_buf_dispose(&out);
	ais_buf_dispose(&want);
	ais_buf_dispose(&q);
	ais_buf_dispose(&rec);
}

TEST(hooks_is_ours)
{
	static const char lfs[] =
		"#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 \"...\"; exit 2; }\n"
		"git lfs post-checkout \"$@\"\n";
	static const char late[] = "#!/bin/sh\n1\n2\n3\n4\n5\n" AIS_HOOKS_MARKER "\n";
	ais_buf rec = AIS_BUF_INIT;

	CHECK(!ais_hooks_is_ours(lfs, strlen(lfs)));
	CHECK(!ais_hooks_is_ours(late, strlen(late)));
	CHECK(!ais_hooks_is_ours("", 0));
	CHECK(ais_hooks_is_ours(AIS_HOOKS_MARKER, strlen(AIS_HOOKS_MARKER)));
	CHECK_INT(ais_hooks_parse_recorded(&rec, lfs), AIS_EINVALID);
	CHECK_INT(ais_hooks_parse_recorded(&rec, "x\naishell_bin='/a\n"), AIS_EINVALID);
	ais_buf_dispose(&rec);
}

TEST(hooks_mode_parse)
{
	ais_hooks_mode m = AIS_HOOKS_MODE_OFF;

	CHECK_INT(ais_hooks_mode_parse(&m, "warn"), 0);
	CHECK_INT(m, AIS_HOOKS_MODE_WARN);
	CHECK_INT(ais_hooks_mode_parse(&m, "Background"), 0);
	CHECK_INT(m, AIS_HOOKS_MODE_BACKGROUND);
	CHECK_INT(ais_hooks_mode_parse(&m, "build"), 0);
	CHECK_INT(ais_hooks_mode_parse(&m, "off"), 0);
	CHECK_INT(m, AIS_HOOKS_MODE_OFF);
	CHECK_INT(ais_hooks_mode_parse(&m, "sometimes"), AIS_EINVALID);
	CHECK_INT(ais_hooks_mode_parse(&m, NULL), AIS_EINVALID);
	CHECK_STR(ais_hooks_mode_name(AIS_HOOKS_MODE_BUILD), "build");
}

/* ---- arguments -------------------------------------------------------------- */

#define OID_A "1111111111111111111111111111111111111111"
#define OID_B "2222222222222222222222222222222222222222"
#define OID_0 "0000000000000000000000000000000000000000"
#define OID_256 "abababababababababababababababababababababababababababababababab"

TEST(hooks_args_post_checkout)
{
	ais_hook_args a;
	char *ok[] = { OID_A, OID_B, "1" };
	char *file[] = { OID_A, OID_B, "0" };
	char *same[] = { OID_A, OID_A, "1" };
	char *clone[] = { OID_0, OID_B, "1" };
	char *sha256[] = { OID_256, OID_256, "1" };
	char *extra[] = { OID_A, OID_B, "1", "future" };
	char *bad_flag[] = { OID_A, OID_B, "2" };
	char *bad_oid[] = { "HEAD", OID_B, "1" };
	char *upper[] = { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", OID_B, "1" };

	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, ok), 0);
	CHECK_INT(a.type, AIS_HOOK_POST_CHECKOUT);
	CHECK_STR(a.old, OID_A);
	CHECK_STR(a.new, OID_B);
	CHECK_INT(a.flag, 1);
	CHECK(!ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, file), 0);
	CHECK(ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, same), 0);
	CHECK(ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, clone), 0);
	CHECK_STR(a.old, "");
	CHECK(!ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, sha256), 0);
	CHECK(ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 4, extra), 0);
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 2, ok), AIS_EINVALID);
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, bad_flag), AIS_EINVALID);
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, bad_oid), AIS_EINVALID);
	CHECK_INT(ais_hook_args_parse(&a, "post-checkout", 3, upper), AIS_EINVALID);
}

TEST(hooks_args_merge_rewrite)
{
	ais_hook_args a;
	char *zero[] = { "0" }, *one[] = { "1" }, *junk[] = { "x" };
	char *amend[] = { "amend" }, *rebase[] = { "rebase", "later" };
	char *other[] = { "filter" };

	CHECK_INT(ais_hook_args_parse(&a, "post-merge", 1, zero), 0);
	CHECK_INT(a.type, AIS_HOOK_POST_MERGE);
	CHECK_INT(a.flag, 0);
	CHECK(!ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-merge", 1, one), 0);
	CHECK_INT(a.flag, 1);
	CHECK_INT(ais_hook_args_parse(&a, "post-merge", 0, NULL), 0);
	CHECK_INT(ais_hook_args_parse(&a, "post-merge", 1, junk), AIS_EINVALID);
	CHECK_INT(ais_hook_args_parse(&a, "post-rewrite", 1, amend), 0);
	CHECK_INT(a.type, AIS_HOOK_POST_REWRITE);
	CHECK(ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-rewrite", 2, rebase), 0);
	CHECK_STR(a.command, "rebase");
	CHECK(!ais_hook_args_trivial(&a));
	CHECK_INT(ais_hook_args_parse(&a, "post-rewrite", 0, NULL), AIS_EINVALID);
	CHECK_INT(ais_hook_args_parse(&a, "post-rewrite", 1, other), AIS_EINVALID);
	CHECK_INT(ais_hook_args_parse(&a, "pre-commit", 0, NULL), AIS_ENOTFOUND);
}

/* ---- git dir, rebase, environment ---------------------------------------- */

TEST(hooks_find_gitdir)
{
	char w[512], path[600];
	ais_buf b = AIS_BUF_INIT;

	snprintf(w, sizeof(w), "%s/wt", test_tmpdir());
	mkdir(w, 0755);
	CHECK_INT(ais_hooks_find_gitdir(&b, w), AIS_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/.git", w);
	mkdir(path, 0755);
	CHECK_INT(ais_hooks_find_gitdir(&b, w), 0);
	CHECK_STR(b.ptr, path);
	CHECK(!ais_hooks_rebase_in_progress(b.ptr));
	snprintf(path, sizeof(path), "%s/.git/rebase-merge", w);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.git", w);
	CHECK(ais_hooks_rebase_in_progress(path));
	snprintf(path, sizeof(path), "%s/.git/rebase-merge", w);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/.git/rebase-apply", w);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.git", w);
	CHECK(ais_hooks_rebase_in_progress(path));

	/* Linked worktree: a .git file. */
	snprintf(w, sizeof(w), "%s/linked", test_tmpdir());
	mkdir(w, 0755);
	snprintf(path, sizeof(path), "%s/.git", w);
	write_text(path, "gitdir: /repo/.git/worktrees/linked\n", 0644);
	CHECK_INT(ais_hooks_find_gitdir(&b, w), 0);
	CHECK_STR(b.ptr, "/repo/.git/worktrees/linked");
	write_text(path, "gitdir: ../main/.git/worktrees/x\r\n", 0644);
	CHECK_INT(ais_hooks_find_gitdir(&b, w), 0);
	snprintf(path, sizeof(path), "%s/../main/.git/worktrees/x", w);
	CHECK_STR(b.ptr, path);
	snprintf(path, sizeof(path), "%s/.git", w);
	write_text(path, "nonsense\n", 0644);
	CHECK_INT(ais_hooks_find_gitdir(&b, w), AIS_ENOTFOUND);
	ais_buf_dispose(&b);
}

TEST(hooks_git_env_matches_git)
{
	const char *const *v;
	char line[256];
	FILE *p;
	int n = 0;

	/* Every variable this git calls repository-local is in the list. */
	p = popen("git rev-parse --local-env-vars 2>/dev/null", "r");
	CHECK(p != NULL);
	while (p && fgets(line, sizeof(line), p)) {
		bool found = false;

		line[strcspn(line, "\n")] = '\0';
		for (v = ais_hooks_git_env; *v && !found; v++)
			found = !strcmp(*v, line);
		if (!found)
			test_fail(__FILE__, __LINE__, "'%s' missing from ais_hooks_git_env", line);
		n++;
	}
	if (p)
		CHECK_INT(pclose(p), 0);
	CHECK(n >= 10);
}

/* The repository as git has it: its directories, core.hooksPath and the
 * mode; ais_hooks_repo_set_mode() writes the mode and updates the struct. */
TEST(hooks_repo_open_reads_dirs_and_mode)
{
	char real[PATH_MAX], dir[PATH_MAX + 32], cmd[PATH_MAX + 256];
	ais_hooks_repo *repo = NULL;

	test_setenv("HOME", test_tmpdir());
	test_setenv("XDG_CONFIG_HOME", NULL);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git init -q r && mkdir r/sub plain && "
		 "git -C r config core.hooksPath .githooks/ && "
		 "git -C r config aishell.hooks.mode bogus", test_tmpdir());
	CHECK_INT(system(cmd), 0);
	snprintf(dir, sizeof(dir), "%s/r", test_tmpdir());
	CHECK(realpath(dir, real) != NULL);
	CHECK_INT(ais_hooks_git_init(), 0);

	snprintf(dir, sizeof(dir), "%s/sub", real);
	CHECK_INT(ais_hooks_repo_open(&repo, dir, NULL), 0);
	CHECK(repo != NULL);
	if (!repo)
		return;
	CHECK_STR(repo->workdir, real);
	CHECK_STR(repo->hooks_path, ".githooks/");
	snprintf(dir, sizeof(dir), "%s/.githooks", real);
	CHECK_STR(repo->hooks_dir, dir);
	snprintf(dir, sizeof(dir), "%s/.git/hooks", real);
	CHECK_STR(repo->default_dir, dir);
	CHECK(repo->mode_set && !repo->mode_valid);
	CHECK_STR(repo->mode_value, "bogus");
	CHECK_INT(repo->mode, AIS_HOOKS_MODE_WARN);
	CHECK_INT(ais_hooks_repo_set_mode(repo, AIS_HOOKS_MODE_BUILD), 0);
	CHECK(repo->mode_set && repo->mode_valid);
	CHECK_STR(repo->mode_value, "build");
	CHECK_INT(repo->mode, AIS_HOOKS_MODE_BUILD);
	ais_hooks_repo_close(repo);

	/* The mode is in the repository's config now. */
	CHECK_INT(ais_hooks_repo_open(&repo, real, NULL), 0);
	CHECK_STR(repo ? repo->mode_value : "", "build");
	ais_hooks_repo_close(repo);

	snprintf(dir, sizeof(dir), "%s/plain", test_tmpdir());
	CHECK_INT(ais_hooks_repo_open(&repo, dir, NULL), AIS_ENOTFOUND);
	CHECK(repo == NULL);
	ais_hooks_repo_close(NULL);
	ais_hooks_git_shutdown();
}

/* ---- install / uninstall ------------------------------------------------------ */

static int events;

static void count_event(const ais_event *ev, void *payload)
{
	(void)ev;
	(void)payload;
	events++;
}

TEST(hooks_install_chain_restore)
{
	static const char foreign[] = "#!/bin/sh\ngit lfs post-checkout \"$@\"\n";
	char dir[512], path[600], chained[640];
	ais_hook_state st;
	char *text;
	size_t i;
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s/hooks", test_tmpdir());
	snprintf(path, sizeof(path), "%s/post-checkout", dir);
	snprintf(chained, sizeof(chained), "%s/post-checkout.aishell-chained", dir);

	/* The directory is created; all three hooks written, executable. */
	events = 0;
	CHECK_INT(ais_hooks_install(dir, "/usr/bin/aishell", count_event, NULL), 0);
	CHECK_INT(events, 3);
	for (i = 0; i < AIS_HOOKS_COUNT; i++) {
		CHECK_INT(ais_hooks_inspect(&st, dir, ais_hooks_names[i], "/usr/bin/aishell"), 0);
		CHECK_INT(st.kind, AIS_HOOK_OURS);
		CHECK(st.executable && st.current && !st.chained);
		CHECK_STR(st.recorded, "/usr/bin/aishell");
	}
	CHECK_INT(ais_hooks_inspect(&st, dir, "post-merge", "/other"), 0);
	CHECK(!st.current);
	CHECK_INT(ais_hooks_uninstall(dir, NULL, NULL), 0);
	CHECK(!exists(path));

	/* A foreign hook is chained, then restored byte for byte with its mode. */
	write_text(path, foreign, 0700);
	CHECK_INT(ais_hooks_inspect(&st, dir, "post-checkout", NULL), 0);
	CHECK_INT(st.kind, AIS_HOOK_FOREIGN);
	CHECK_INT(ais_hooks_install(dir, NULL, NULL, NULL), 0);
	text = slurp(chained);
	CHECK_STR(text, foreign);
	free(text);
	CHECK_INT(ais_hooks_inspect(&st, dir, "post-checkout", NULL), 0);
	CHECK(st.kind == AIS_HOOK_OURS && st.chained && st.chained_executable);
	CHECK_STR(st.recorded, "");
	/* Idempotent: the chained hook is never chained twice. */
	CHECK_INT(ais_hooks_install(dir, NULL, NULL, NULL), 0);
	CHECK_INT(ais_hooks_install(dir, "/bin/aishell", NULL, NULL), 0);
	text = slurp(chained);
	CHECK_STR(text, foreign);
	free(text);
	CHECK_INT(ais_hooks_uninstall(dir, NULL, NULL), 0);
	text = slurp(path);
	CHECK_STR(text, foreign);
	free(text);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0700);
	CHECK(!exists(chained));
	/* Uninstall leaves a foreign hook alone. */
	events = 0;
	CHECK_INT(ais_hooks_uninstall(dir, count_event, NULL), 0);
	CHECK_INT(events, 3);
	CHECK(exists(path));
}

TEST(hooks_install_refuses_taken_backup)
{
	char dir[512], path[600], taken[640], merge[600];
	ais_hook_state st;
	char *text;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(path, sizeof(path), "%s/post-rewrite", dir);
	snprintf(taken, sizeof(taken), "%s/post-rewrite.aishell-chained", dir);
	snprintf(merge, sizeof(merge), "%s/post-merge", dir);
	write_text(path, "#!/bin/sh\necho mine\n", 0755);
	write_text(taken, "#!/bin/sh\necho older\n", 0755);
	CHECK_INT(ais_hooks_install(dir, NULL, NULL, NULL), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "'post-rewrite.aishell-chained' already exists") != NULL);
	/* Nothing at all was written. */
	CHECK(!exists(merge));
	text = slurp(path);
	CHECK_STR(text, "#!/bin/sh\necho mine\n");
	free(text);
	/* An orphaned backup with no hook in front is chained again. */
	unlink(path);
	CHECK_INT(ais_hooks_install(dir, NULL, NULL, NULL), 0);
	CHECK_INT(ais_hooks_inspect(&st, dir, "post-rewrite", NULL), 0);
	CHECK(st.kind == AIS_HOOK_OURS && st.chained);
	CHECK_INT(ais_hooks_uninstall(dir, NULL, NULL), 0);
	text = slurp(path);
	CHECK_STR(text, "#!/bin/sh\necho older\n");
	free(text);
}

/* ---- background ------------------------------------------------------------- */

static int job(ais_buf *summary, int log_fd, void *payload)
{
	if (log_fd < 0 || write(log_fd, "logged\n", 7) != 7)
		return 1;
	FILE *f = fopen((const char *)payload, "a");

	if (f) {
		fputs("run\n", f);
		fclose(f);
	}
	ais_buf_puts(summary, "built x\nand y");
	return 0;
}

/* What a hook's request does to the pending file: create it, or bump its
 * mtime (the debounce clock). */
static void request(const char *pending)
{
	int fd = open(pending, O_WRONLY | O_CREAT, 0600);

	CHECK(fd >= 0);
	CHECK_INT(futimens(fd, NULL), 0);
	close(fd);
}

TEST(hooks_background_once)
{
	ais_hooks_bg bg;
	ais_hooks_bg_status st;
	char runs[600], *text;
	pid_t pid;
	int status;

	CHECK_INT(ais_hooks_bg_init(&bg, test_tmpdir(), "abcdef012345"), 0);
	CHECK(strstr(bg.log, "/hooks/abcdef012345.log") != NULL);
	CHECK_INT(ais_hooks_bg_read(&st, &bg), 0);
	CHECK(!st.found && !st.running);
	snprintf(runs, sizeof(runs), "%s/runs", test_tmpdir());

	/* No pending request: the worker does nothing. */
	pid = fork();
	if (pid == 0)
		_exit(ais_hooks_bg_work(&bg, 50, job, runs) == 0 ? 0 : 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	CHECK(!exists(runs));

	/* Three requests in quick succession: one run.  The worker starts
	 * after the first; the others come while it waits out the debounce,
	 * each restarting it (a request bumps the pending file's mtime). */
	mkdir(bg.dir, 0700);
	request(bg.pending);
	pid = fork();
	if (pid == 0)
		_exit(ais_hooks_bg_work(&bg, 800, job, runs) == 0 ? 0 : 1);
	usleep(200 * 1000);
	request(bg.pending);
	usleep(200 * 1000);
	CHECK(!exists(runs));
	request(bg.pending);
	usleep(200 * 1000);
	CHECK(!exists(runs));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	text = slurp(runs);
	CHECK_STR(text, "run\n");
	free(text);
	text = slurp(bg.log);
	CHECK_STR(text, "logged\n");
	free(text);
	CHECK(!exists(bg.pending));
	CHECK_INT(ais_hooks_bg_read(&st, &bg), 0);
	CHECK(st.found && !st.running);
	CHECK_INT(st.exit_code, 0);
	CHECK_STR(st.summary, "built x and y");
	CHECK(st.when > 0);
}

/* The state directory is private and its files are never followed: a
 * symlinked log (a shared XDG_STATE_HOME) does not truncate its target. */
TEST(hooks_background_state_files_not_followed)
{
	char victim[600], runs[600], *text;
	ais_hooks_bg bg;
	ais_hooks_bg_status st;
	pid_t pid;
	int status;

	snprintf(victim, sizeof(victim), "%s/victim", test_tmpdir());
	snprintf(runs, sizeof(runs), "%s/runs", test_tmpdir());
	write_text(victim, "precious\n", 0644);
	CHECK_INT(ais_hooks_bg_init(&bg, test_tmpdir(), "abcdef012345"), 0);
	CHECK_INT(mkdir(bg.dir, 0700), 0);
	CHECK_INT(symlink(victim, bg.log), 0);
	CHECK_INT(symlink(victim, bg.result), 0);
	close(open(bg.pending, O_WRONLY | O_CREAT, 0600));
	pid = fork();
	if (pid == 0)
		_exit(ais_hooks_bg_work(&bg, 0, job, runs) == 0 ? 0 : 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	/* the result cannot be written through the link: the worker fails */
	CHECK_INT(WEXITSTATUS(status), 1);
	text = slurp(victim);
	CHECK_STR(text, "precious\n");
	free(text);
	text = slurp(runs);
	CHECK_STR(text, "run\n");
	free(text);
	CHECK_INT(ais_hooks_bg_read(&st, &bg), 0);
	CHECK(!st.found);

	/* a directory others can write, or that is a link, is refused */
	CHECK_INT(chmod(bg.dir, 0777), 0);
	CHECK_INT(ais_hooks_bg_work(&bg, 0, job, runs), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "writable by other users") != NULL);
}
