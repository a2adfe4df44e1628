#include "test.h"

#include "dockerfile.h"

static ais_dockerfile_inputs parse(const char *text)
{
	ais_dockerfile_inputs in;

	CHECK_INT(ais_dockerfile_parse_inputs(&in, text, strlen(text)), 0);
	return in;
}

static const char *joined(const ais_dockerfile_inputs *in)
{
	static char buf[1024];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < in->count; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "|" : "",
				      in->sources[i]);
	return buf;
}

TEST(dockerfile_copy_and_add_sources)
{
	ais_dockerfile_inputs in = parse(
		"# syntax=docker/dockerfile:1\n"
		"FROM aishell:base AS build\n"
		"COPY a.txt b/ /dst/\n"
		"copy --chown=1000:1000 --chmod=644 src/*.c /src/\n"
		"ADD https://example.com/x.tar.gz /x\n"
		"ADD local.tar /opt/\n"
		"COPY --from=build /out /out\n"
		"COPY --from=alpine /etc/passwd /x\n"
		"RUN echo COPY not-me /x\n"
		"COPY [\"with space.txt\", \"json2\", \"/dst/\"]\n");

	CHECK_STR(joined(&in), "a.txt|b/|src/*.c|local.tar|with space.txt|json2");
	CHECK(!in.whole_context);
	ais_dockerfile_inputs_dispose(&in);
}

TEST(dockerfile_continuations_comments_and_escape)
{
	ais_dockerfile_inputs in = parse(
		"FROM x\n"
		"COPY one \\\n"
		"  # a comment inside the instruction\n"
		"  two \\\n"
		"  /dst/\n"
		"  # indented comment\n"
		"COPY three /d\r\n");

	CHECK_STR(joined(&in), "one|two|three");
	ais_dockerfile_inputs_dispose(&in);

	in = parse("# escape=`\nFROM x\nCOPY c:\\a `\n  d /dst\n");
	CHECK_STR(joined(&in), "c:\\a|d");
	ais_dockerfile_inputs_dispose(&in);
}

TEST(dockerfile_variables_mean_whole_context)
{
	ais_dockerfile_inputs in = parse("FROM x\nARG DIR=src\nCOPY $DIR/ /app\nCOPY keep /k\n");

	CHECK(in.whole_context);
	CHECK_STR(joined(&in), "keep");
	ais_dockerfile_inputs_dispose(&in);
}

TEST(dockerfile_heredoc_bodies_are_skipped)
{
	ais_dockerfile_inputs in = parse(
		"FROM x\n"
		"COPY <<EOF /etc/conf\n"
		"COPY inside-heredoc /nope\n"
		"EOF\n"
		"RUN <<-'END'\n"
		"\tCOPY also-inside /nope\n"
		"\tEND\n"
		"COPY after /a\n");

	CHECK_STR(joined(&in), "after");
	ais_dockerfile_inputs_dispose(&in);
}

TEST(dockerfile_no_copy_no_inputs)
{
	ais_dockerfile_inputs in = parse("FROM x\nRUN make\nCOPY onlydest\n");

	CHECK_INT(in.count, 0);
	CHECK(!in.whole_context);
	ais_dockerfile_inputs_dispose(&in);
}
