#include "test.h"

#include "buf.h"

#include <stdlib.h>

TEST(buf_printf_and_consume)
{
	ais_buf b = AIS_BUF_INIT;
	int i;

	CHECK_STR(ais_buf_cstr(&b), "");
	for (i = 0; i < 1000; i++)
		CHECK_INT(ais_buf_printf(&b, "%d,", i), 0);
	CHECK(b.size > 3000);
	CHECK(strncmp(b.ptr, "0,1,2,", 6) == 0);
	ais_buf_consume(&b, 2);
	CHECK(strncmp(b.ptr, "1,2,", 4) == 0);
	ais_buf_consume(&b, b.size + 5);
	CHECK_INT(b.size, 0);
	CHECK_STR(ais_buf_cstr(&b), "");
	ais_buf_dispose(&b);
}

TEST(buf_put_binary_keeps_nul_terminated)
{
	ais_buf b = AIS_BUF_INIT;
	char *s;

	CHECK_INT(ais_buf_put(&b, "a\0b", 3), 0);
	CHECK_INT(b.size, 3);
	CHECK_INT(b.ptr[3], 0);
	CHECK_INT(ais_buf_sets(&b, "xyz"), 0);
	s = ais_buf_detach(&b);
	CHECK_STR(s, "xyz");
	CHECK(b.ptr == NULL);
	free(s);
}

static void check_quoted(const char *name, const char *want)
{
	ais_buf b = AIS_BUF_INIT;

	CHECK_INT(ais_buf_puts(&b, "> "), 0);
	CHECK_INT(ais_buf_quote_path(&b, name), 0);
	if (strcmp(ais_buf_cstr(&b) + 2, want) != 0)
		test_fail(__FILE__, __LINE__, "quote \"%s\": got %s, want %s",
			  name, ais_buf_cstr(&b), want);
	ais_buf_dispose(&b);
}

/* As git prints paths with core.quotePath (the default). */
TEST(buf_quote_path)
{
	check_quoted("plain/name with spaces.txt", "plain/name with spaces.txt");
	check_quoted("", "");
	check_quoted("\033[2K\rall images fresh", "\"\\033[2K\\rall images fresh\"");
	check_quoted("a\nb\tc", "\"a\\nb\\tc\"");
	check_quoted("caf\xc3\xa9", "\"caf\\303\\251\"");
	check_quoted("q\"uote\\back", "\"q\\\"uote\\\\back\"");
	check_quoted("\a\b\v\f\x7f\x01", "\"\\a\\b\\v\\f\\177\\001\"");
}

TEST(array_grow_doubles_and_refuses_overflow)
{
	size_t alloc = 0, count, seen = 0;
	int *a = NULL, *p;

	for (count = 0; count < 1000; count++) {
		p = ais_array_grow(a, &alloc, count, sizeof(*a), 8);
		CHECK(p != NULL);
		a = p;
		CHECK(alloc > count);
		if (alloc != seen) {
			CHECK(alloc == 8 || alloc == seen * 2);
			seen = alloc;
		}
		a[count] = (int)count;
	}
	CHECK_INT(alloc, 1024);
	for (count = 0; count < 1000; count++)
		CHECK_INT(a[count], (int)count);
	/* Room left: the same array, untouched. */
	CHECK(ais_array_grow(a, &alloc, 1000, sizeof(*a), 8) == a);
	CHECK_INT(alloc, 1024);
	/* A size that cannot be allocated: NULL, the array kept. */
	CHECK(ais_array_grow(a, &alloc, 1024, (size_t)-1 / 1024, 8) == NULL);
	CHECK_INT(alloc, 1024);
	CHECK_INT(a[999], 999);
	free(a);
}

TEST(buf_take_hands_out_pieces)
{
	ais_buf b = AIS_BUF_INIT;
	char out[4];
	size_t off = 0;

	CHECK_INT(ais_buf_puts(&b, "abcdef"), 0);
	CHECK_INT(ais_buf_take(&b, &off, out, 4), 4);
	CHECK(!memcmp(out, "abcd", 4));
	CHECK_INT(ais_buf_take(&b, &off, out, 4), 2);
	CHECK(!memcmp(out, "ef", 2));
	CHECK_INT(off, 6);
	CHECK_INT(ais_buf_take(&b, &off, out, 4), 0);
	CHECK_INT(off, 6);
	ais_buf_dispose(&b);
}
