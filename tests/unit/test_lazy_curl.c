#include "test.h"

#include "buf.h"
#include "error.h"
#include "lazy.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static size_t collect(char *data, size_t size, size_t n, void *p)
{
	return ais_buf_put(p, data, size * n) < 0 ? 0 : size * n;
}

/* libcurl is opened on first use; curl_easy_setopt() and
 * curl_easy_getinfo() are forwarded by the type of their value: each type
 * goes through and changes what libcurl does. */
TEST(lazy_curl_forwards_each_option_type)
{
	ais_buf url = AIS_BUF_INIT, body = AIS_BUF_INIT;
	curl_off_t size = -1;
	char *effective = NULL;
	long code = -1;
	CURL *curl;

	test_write("hello.txt", "hello world");
	CHECK_INT(ais_curl_ready(), 0);
	CHECK_INT(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	CHECK_INT(ais_buf_printf(&url, "file://%s/hello.txt", test_tmpdir()), 0);
	curl = curl_easy_init();
	CHECK(curl != NULL);
	if (!curl)
		goto done;
	/* pointers and a function pointer */
	CHECK_INT(curl_easy_setopt(curl, CURLOPT_URL, url.ptr), CURLE_OK);
	CHECK_INT(curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect), CURLE_OK);
	CHECK_INT(curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body), CURLE_OK);
	CHECK_INT(curl_easy_perform(curl), CURLE_OK);
	CHECK_STR(ais_buf_cstr(&body), "hello world");
	/* a long */
	ais_buf_clear(&body);
	CHECK_INT(curl_easy_setopt(curl, CURLOPT_NOBODY, 1L), CURLE_OK);
	CHECK_INT(curl_easy_perform(curl), CURLE_OK);
	CHECK_STR(ais_buf_cstr(&body), "");
	/* a curl_off_t */
	CHECK_INT(curl_easy_setopt(curl, CURLOPT_NOBODY, 0L), CURLE_OK);
	CHECK_INT(curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)6),
		  CURLE_OK);
	CHECK_INT(curl_easy_perform(curl), CURLE_OK);
	CHECK_STR(ais_buf_cstr(&body), "world");
	/* getinfo into a curl_off_t, a long and a string */
	CHECK_INT(curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &size), CURLE_OK);
	CHECK_INT((int)size, 5);
	CHECK_INT(curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code), CURLE_OK);
	CHECK_INT((int)code, 0);
	CHECK_INT(curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective), CURLE_OK);
	CHECK_STR(effective ? effective : "", url.ptr);
	CHECK_STR(curl_easy_strerror(CURLE_OK), "No error");
	curl_easy_cleanup(curl);
done:
	ais_buf_dispose(&url);
	ais_buf_dispose(&body);
}
