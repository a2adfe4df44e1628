#include "test.h"

#include "error.h"
#include "lazy.h"

#include <string.h>

static void *found;
static const ais_lazy_symbol strlen_symbol[] = { { "strlen", &found } };
static const ais_lazy_symbol missing_symbol[] = { { "strlen", &found },
						  { "ais_no_such_symbol", &found } };

TEST(lazy_load_resolves_symbols)
{
	ais_lazy lib = AIS_LAZY_INIT("libc", "libc.so.6", strlen_symbol);
	size_t (*len)(const char *);

	CHECK(!ais_lazy_loaded(&lib));
	CHECK_INT(ais_lazy_ready(&lib), 0);
	CHECK(ais_lazy_loaded(&lib));
	CHECK_STR(ais_lazy_error(&lib), "");
	*(void **)&len = found;
	CHECK(len != NULL);
	if (len)
		CHECK_INT(len("four"), 4);
}

TEST(lazy_load_missing_library_is_one_line)
{
	ais_lazy lib = AIS_LAZY_INIT("libnothing", "libaishell-no-such.so.0",
				     strlen_symbol);
	const char *msg;

	CHECK_INT(ais_lazy_ready(&lib), AIS_ERROR);
	msg = ais_error_last()->message;
	CHECK(!strncmp(msg, "cannot load libnothing: ", 24));
	CHECK(strstr(msg, "libaishell-no-such.so.0") != NULL);
	CHECK(strchr(msg, '\n') == NULL);
	CHECK(!ais_lazy_loaded(&lib));
	/* The failure is remembered, not retried. */
	CHECK(!ais_lazy_load(&lib));
	CHECK_INT(ais_lazy_ready(&lib), AIS_ERROR);
}

TEST(lazy_load_missing_symbol)
{
	ais_lazy lib = AIS_LAZY_INIT("libc", "libc.so.6", missing_symbol);

	CHECK_INT(ais_lazy_ready(&lib), AIS_ERROR);
	CHECK_STR(ais_error_last()->message,
		  "cannot load libc: libc.so.6: no symbol 'ais_no_such_symbol'");
	CHECK(!ais_lazy_loaded(&lib));
}
