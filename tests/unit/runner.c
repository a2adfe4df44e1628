#include "test.h"

#include <ftw.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_TESTS 512

static struct {
	const char *name;
	test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static int failures;
static char tmpdir[256];

/* Variables test_setenv() changed, with their old values (NULL: unset). */
static struct {
	char *name, *old;
} saved_env[32];
static int nsaved;

void test_setenv(const char *name, const char *value)
{
	int i;

	for (i = 0; i < nsaved && strcmp(saved_env[i].name, name) != 0; i++)
		;
	if (i == nsaved) {
		if (nsaved == 32) {
			fprintf(stderr, "too many test_setenv variables\n");
			exit(2);
		}
		saved_env[i].name = strdup(name);
		saved_env[i].old = getenv(name) ? strdup(getenv(name)) : NULL;
		nsaved++;
	}
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static void restore_env(void)
{
	while (nsaved > 0) {
		nsaved--;
		if (saved_env[nsaved].old)
			setenv(saved_env[nsaved].name, saved_env[nsaved].old, 1);
		else
			unsetenv(saved_env[nsaved].name);
		free(saved_env[nsaved].name);
		free(saved_env[nsaved].old);
	}
}

void test_register(const char *name, test_fn fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

const char *test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(tmpdir, sizeof(tmpdir), "%s/ais-unit-XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return tmpdir;
}

void test_write(const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), rel);
	f = fopen(path, "w");
	if (!f) {
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

void test_mkdir(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), rel);
	mkdir(path, 0755);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int run(int i)
{
	int before = failures;

	tests[i].fn();
	restore_env();
	if (tmpdir[0]) {
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		tmpdir[0] = '\0';
	}
	printf("%s %s\n", failures == before ? "ok  " : "FAIL", tests[i].name);
	fflush(stdout); /* a case that forks must not print this twice */
	return failures == before;
}

int main(int argc, char **argv)
{
	int i, passed = 0, failed = 0, found = 0;

	for (i = 0; i < ntests; i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
			continue;
		found = 1;
		if (run(i))
			passed++;
		else
			failed++;
	}
	if (argc > 1 && !found) {
		fprintf(stderr, "no such test: %s\n", argv[1]);
		return 2;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
