#include "test.h"

#include "docker.h"
#include "error.h"

static const char legacy_ok[] =
	"{\"stream\":\"Step 1/3 : FROM aishell:base\"}\r\n"
	"{\"stream\":\"\\n\"}\r\n"
	"{\"stream\":\" ---\\u003e ad8a19605f4f\\n\"}\r\n"
	"{\"stream\":\"Step 2/3 : RUN echo hi \\u003e /x\"}\r\n"
	"{\"stream\":\"\\n\"}\r\n"
	"{\"stream\":\"hi\\n\"}\r\n"
	"{\"stream\":\"Step 3/3 : COPY f /f\"}\r\n"
	"{\"stream\":\"\\n\"}\r\n"
	"{\"aux\":{\"ID\":\"sha256:f3976bc71e8b4aac9efdce32a31c2b6f64967a969a89040d23af0024e5c348d1\"}}\r\n"
	"{\"stream\":\"Successfully built f3976bc71e8b\\n\"}\r\n";

TEST(stream_legacy_success_in_any_pieces)
{
	size_t piece;

	for (piece = 0; piece < 40; piece += 7) {
		ais_build_result res;

		ais_build_result_init(&res);
		CHECK_INT(ais_docker__parse_build_stream(&res, legacy_ok, sizeof(legacy_ok) - 1,
							 piece), 0);
		CHECK_STR(ais_buf_cstr(&res.image_id),
			  "sha256:f3976bc71e8b4aac9efdce32a31c2b6f64967a969a89040d23af0024e5c348d1");
		CHECK_INT(res.steps, 3);
		CHECK(strstr(ais_buf_cstr(&res.log), "Step 2/3 : RUN echo hi > /x\nhi\n") != NULL);
		ais_build_result_dispose(&res);
	}
}

TEST(stream_legacy_failure_names_step_and_tail)
{
	static const char text[] =
		"{\"stream\":\"Step 1/2 : FROM x\\n\"}\n"
		"{\"stream\":\"Step 2/2 : RUN make\\n\"}\n"
		"{\"stream\":\" ---\\u003e Running in 87369c9468cc\\n\"}\n"
		"{\"stream\":\"cc -c a.c\\nerror: a.c:1: boom\\n\"}\n"
		"{\"errorDetail\":{\"code\":2,\"message\":\"The command '/bin/sh -c make' returned a non-zero code: 2\"},"
		"\"error\":\"The command '/bin/sh -c make' returned a non-zero code: 2\"}\n";
	ais_build_result res;

	ais_build_result_init(&res);
	CHECK_INT(ais_docker__parse_build_stream(&res, text, sizeof(text) - 1, 5), AIS_EBUILD);
	CHECK_STR(ais_buf_cstr(&res.failed_step), "Step 2/2 : RUN make");
	CHECK_INT(res.exit_code, 2);
	CHECK(strstr(ais_buf_cstr(&res.tail), "error: a.c:1: boom\n") != NULL);
	CHECK(strstr(ais_buf_cstr(&res.tail), "Step 1/2") == NULL);
	CHECK(strstr(ais_error_last()->message, "Step 2/2 : RUN make: The command") != NULL);
	CHECK_INT(res.image_id.size, 0);
	ais_build_result_dispose(&res);
}

TEST(stream_garbage_is_kept_as_output_and_no_id_fails)
{
	static const char text[] = "\x01not json\n{\"stream\": 42}\n{\"aux\":{\"ID\":7}}\n";
	ais_build_result res;

	ais_build_result_init(&res);
	CHECK_INT(ais_docker__parse_build_stream(&res, text, sizeof(text) - 1, 0), AIS_EBUILD);
	CHECK(strstr(ais_error_last()->message, "without an image id") != NULL);
	CHECK(strstr(ais_buf_cstr(&res.log), "not json") != NULL);
	ais_build_result_dispose(&res);
}

/* Found by fuzz_stream: a code too large for a long. */
TEST(stream_error_code_out_of_range)
{
	static const char text[] =
		"{\"errorDetail\":{\"code\":3e46,\"message\":\"m\"},\"error\":\"m\"}\n"
		"{\"errorDetail\":{\"code\":-1,\"message\":\"m\"}}\n";
	ais_build_result res;

	ais_build_result_init(&res);
	CHECK_INT(ais_docker__parse_build_stream(&res, text, sizeof(text) - 1, 0), AIS_EBUILD);
	CHECK_INT(res.exit_code, 0);
	ais_build_result_dispose(&res);
}

#define BK_ID "sha256:3add6118aa3add6118aa3add6118aa3add6118aa3add6118aa3add6118aa3abc"

TEST(stream_buildkit_image_id)
{
	static const char text[] =
		"{\"id\":\"moby.buildkit.trace\",\"aux\":\"!!notbase64\"}\n"
		"{\"id\":\"moby.image.id\",\"aux\":{\"ID\":\"" BK_ID "\"}}\n"
		"{\"stream\":\"Successfully tagged x\\n\"}\n";
	ais_build_result res;

	ais_build_result_init(&res);
	CHECK_INT(ais_docker__parse_build_stream(&res, text, sizeof(text) - 1, 3), 0);
	CHECK_STR(ais_buf_cstr(&res.image_id), BK_ID);
	ais_build_result_dispose(&res);
}

/* An id the engine sends is used in paths: anything but sha256: and 64
 * hex digits fails the build, and no id is kept. */
TEST(stream_invalid_image_id_fails)
{
	static const char *const texts[] = {
		"{\"aux\":{\"ID\":\"sha256:/../../../../tmp/X\"}}\n",
		"{\"id\":\"moby.image.id\",\"aux\":{\"ID\":\"sha256:3add6118aa\"}}\n",
		"{\"aux\":{\"ID\":\"" BK_ID "/x\"}}\n",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ais_build_result res;

		ais_build_result_init(&res);
		CHECK_INT(ais_docker__parse_build_stream(&res, texts[i], strlen(texts[i]), 0),
			  AIS_EBUILD);
		CHECK(strstr(ais_error_last()->message, "invalid image id") != NULL);
		CHECK_STR(ais_buf_cstr(&res.image_id), "");
		ais_build_result_dispose(&res);
	}
}
