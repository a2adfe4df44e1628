/*
 * test.h - a tiny unit-test harness.
 *
 * TEST(name) { ... } defines and registers a case.  CMake reads the TEST()
 * lines of every tests/unit/test_*.c file and registers each case as its own
 * CTest test ("unit.<name>"), which runs `unit_tests <name>`.  Without an
 * argument the runner runs every case and ends with "N passed, N failed".
 */
#ifndef AIS_TEST_H
#define AIS_TEST_H

#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A scratch directory for the running case, removed after it. */
const char *test_tmpdir(void);

/* setenv(name, value), or unsetenv when value is NULL, for the running
 * case only: the old value comes back after it. */
void test_setenv(const char *name, const char *value);

/* Write `text` to, or make a directory at, test_tmpdir()/rel. */
void test_write(const char *rel, const char *text);
void test_mkdir(const char *rel);

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	__attribute__((constructor)) static void test_reg_##name(void)      \
	{                                                                   \
		test_register(#name, test_##name);                          \
	}                                                                   \
	static void test_##name(void)

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond))                                                \
			test_fail(__FILE__, __LINE__, "%s", #cond);         \
	} while (0)

#define CHECK_INT(got, want)                                                \
	do {                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);    \
		if (g_ != w_)                                               \
			test_fail(__FILE__, __LINE__, "%s == %lld, want %lld", \
				  #got, g_, w_);                            \
	} while (0)

#define CHECK_STR(got, want)                                                \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		if (!g_ || !w_ || strcmp(g_, w_) != 0)                      \
			test_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
				  #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

#endif
