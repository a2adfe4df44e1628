#include "test.h"

#include "error.h"
#include "jsonc.h"

#include <cjson/cJSON.h>
#include <string.h>

TEST(jsonc_comments_and_trailing_commas)
{
	const char *text = "\xEF\xBB\xBF// head\n{\n\t\"a\": \"x // not a comment /* nor this */\", /* c */\n"
			   "\t\"b\": [1, 2, ], // tail\n\t\"c\": {\"d\": true,},\n}\n";
	cJSON *j = NULL;
	const cJSON *b;

	CHECK_INT(ais_jsonc_parse(&j, text, strlen(text), "f.json"), 0);
	CHECK(j != NULL);
	CHECK_STR(cJSON_GetObjectItem(j, "a")->valuestring, "x // not a comment /* nor this */");
	b = cJSON_GetObjectItem(j, "b");
	CHECK_INT(cJSON_GetArraySize(b), 2);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "c"), "d")));
	cJSON_Delete(j);
	j = NULL;
	text = "{\"s\": \"a\\\"b,]\"}";
	CHECK_INT(ais_jsonc_parse(&j, text, strlen(text), "f.json"), 0);
	CHECK_STR(cJSON_GetObjectItem(j, "s")->valuestring, "a\"b,]");
	cJSON_Delete(j);
}

TEST(jsonc_errors_name_line_and_column)
{
	cJSON *j = NULL;
	const char *bad = "{\n  \"a\": 1,\n  \"b\": [1 2]\n}\n";

	CHECK_INT(ais_jsonc_parse(&j, bad, strlen(bad), "f.json"), AIS_EINVALID);
	CHECK(j == NULL);
	CHECK(strstr(ais_error_last()->message, "f.json:3:11:") != NULL);
	CHECK_INT(ais_jsonc_parse(&j, "{} /* open", 10, "g"), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "g:1:4: unterminated comment") != NULL);
	CHECK_INT(ais_jsonc_parse(&j, "{\"a\": \"x\n\"}", 11, "h"), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "unterminated string") != NULL);
	CHECK_INT(ais_jsonc_parse(&j, "{\"a\": 1", 7, "i"), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "i:1:8: unexpected end of JSON") != NULL);
	CHECK_INT(ais_jsonc_parse(&j, "{}{}", 4, "k"), AIS_EINVALID);
	CHECK_INT(ais_jsonc_parse(&j, "", 0, "l"), AIS_EINVALID);
}
