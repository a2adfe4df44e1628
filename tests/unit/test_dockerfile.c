#include "test.h"

#include "dockerfile.h"
#include "error.h"

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

	/* With the escape directive, '`' continues lines and '\\' is plain. */
	in = parse("# escape=`\nFROM x\nCOPY a `\n  d\\ /dst\nCOPY e /f\\\n");
	CHECK_STR(joined(&in), "a|e");
	CHECK(in.whole_context); /* "d\\" is not statically known */
	ais_dockerfile_inputs_dispose(&in);
	in = parse("# escape=`\nFROM x\nCOPY a `\n  d /dst\n");
	CHECK_STR(joined(&in), "a|d");
	CHECK(!in.whole_context);
	ais_dockerfile_inputs_dispose(&in);
	/* Not at the top: no longer a directive, just a comment. */
	in = parse("FROM x\n# escape=`\nCOPY a `\nCOPY b /d\n");
	CHECK_STR(joined(&in), "a|b");
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

#define CHECK_INPUTS(text, want, want_whole)                                \
	do {                                                                \
		ais_dockerfile_inputs in_ = parse(text);                    \
		CHECK_STR(joined(&in_), want);                              \
		CHECK_INT(in_.whole_context, want_whole);                   \
		ais_dockerfile_inputs_dispose(&in_);                        \
	} while (0)

TEST(dockerfile_copy_flags)
{
	CHECK_INPUTS("FROM x\nCOPY --parents a/b/c.txt d/ /dst/\n", "a/b/c.txt|d/", 0);
	/* Excluded files are still counted: more staleness, never less. */
	CHECK_INPUTS("FROM x\nCOPY --exclude=*.tmp --exclude=x src /dst\n", "src", 0);
	CHECK_INPUTS("FROM x\nCOPY --chown=1:1 --chmod=0644 --link f /f\n", "f", 0);
	CHECK_INPUTS("FROM x\nADD --link --chmod=755 --checksum=sha256:00 t.tar /t\n",
		     "t.tar", 0);
	CHECK_INPUTS("FROM x\nADD --keep-git-dir=true https://github.com/a/b.git /b\n",
		     "", 0);
	/* A flag the reader does not know may change anything. */
	CHECK_INPUTS("FROM x\nCOPY --frobnicate f /f\n", "", 1);
	CHECK_INPUTS("FROM x\nADD --parents f /f\n", "", 1);
}

TEST(dockerfile_wildcards_and_json_form)
{
	CHECK_INPUTS("FROM x\nCOPY *.txt src/?.c [ab]* /dst/\n", "*.txt|src/?.c|[ab]*", 0);
	CHECK_INPUTS("FROM x\nCOPY [\"a b\", \"*.md\", \"/dst/\"]\n", "a b|*.md", 0);
	CHECK_INPUTS("FROM x\nCOPY --chown=1 [\"j\", \"/d\"]\n", "j", 0);
	/* A bracket that is not a JSON array is shell form. */
	CHECK_INPUTS("FROM x\nCOPY [ab].txt /d\n", "[ab].txt", 0);
}

TEST(dockerfile_add_remote_sources_read_nothing)
{
	CHECK_INPUTS("FROM x\n"
		     "ADD https://example.com/a.tgz http://e/b /d/\n"
		     "ADD git@github.com:moby/buildkit.git#v0.10 /bk\n"
		     "ADD git://example.com/r.git ssh://h/r.git /r\n"
		     "ADD [\"https://example.com/c\", \"local\", \"/d\"]\n",
		     "local", 0);
}

TEST(dockerfile_stages_read_nothing)
{
	CHECK_INPUTS("FROM alpine AS build\n"
		     "COPY src /src\n"
		     "FROM x\n"
		     "COPY --from=build /out /out\n"
		     "COPY --from=alpine:3 /etc/passwd /x\n"
		     "COPY --from=$STAGE /y /y\n",
		     "src", 0);
}

TEST(dockerfile_run_mounts)
{
	CHECK_INPUTS("FROM x\nRUN --mount=type=bind,source=tools,target=/t make\n", "tools", 0);
	CHECK_INPUTS("FROM x\nRUN --mount=type=bind,src=a,ro --mount=src=b,target=/b x\n",
		     "a|b", 0);
	/* Without a source a bind mount is the whole context. */
	CHECK_INPUTS("FROM x\nRUN --mount=type=bind,target=/ctx make\n", "", 1);
	CHECK_INPUTS("FROM x\nRUN --mount=target=/ctx make\n", "", 1);
	CHECK_INPUTS("FROM x\nRUN --mount=type=bind,from=build,source=/o,target=/o x\n",
		     "", 0);
	CHECK_INPUTS("FROM x\nRUN --mount=type=cache,target=/root/.cache "
		     "--mount=type=cache,from=build,source=/c,target=/c "
		     "--mount=type=secret,id=s --mount=type=ssh "
		     "--mount=type=tmpfs,target=/tmp --network=none --security=insecure make\n",
		     "", 0);
	CHECK_INPUTS("FROM x\nRUN --mount=type=bind,source=$D,target=/d x\n", "", 1);
	CHECK_INPUTS("FROM x\nRUN --mount=type=weird,target=/d x\n", "", 1);
	CHECK_INPUTS("FROM x\nRUN --device=/dev/x x\n", "", 1);
	/* Flags end at the first word of the command. */
	CHECK_INPUTS("FROM x\nRUN echo --mount=type=bind,target=/x\n", "", 0);
}

TEST(dockerfile_heredocs)
{
	CHECK_INPUTS("FROM x\n"
		     "RUN <<EOF cat >/a && cat <<'TWO' >/b\n"
		     "COPY not-me /x\n"
		     "EOF\n"
		     "COPY nor-me /y\n"
		     "TWO\n"
		     "COPY <<-\"END\" real /dst/\n"
		     "\t\tCOPY inside /z\n"
		     "\tEND\n"
		     "RUN echo '<<NOTADOC'\n"
		     "COPY after /a\n",
		     "real|after", 0);
	/* A heredoc that never ends: better the whole context than nothing. */
	CHECK_INPUTS("FROM x\nRUN cat <<EOF\nCOPY hidden /h\n", "", 1);
	/* Only RUN, COPY and ADD take heredocs. */
	CHECK_INPUTS("FROM x\nLABEL a=\"<<EOF\"\nCOPY seen /s\n", "seen", 0);
}

TEST(dockerfile_not_statically_known)
{
	CHECK_INPUTS("FROM x\nCOPY . /app\n", "", 1);
	CHECK_INPUTS("FROM x\nCOPY ./ /app\n", "", 1);
	CHECK_INPUTS("FROM x\nCOPY [\".\", \"/app\"]\n", "", 1);
	CHECK_INPUTS("FROM x\nCOPY \"a b\" /app\n", "", 1);
	CHECK_INPUTS("FROM x\nCOPY ${SRC:-src} /app\n", "", 1);
	CHECK_INPUTS("FROM x\nFROBNICATE a b\nCOPY f /f\n", "f", 1);
	CHECK_INPUTS("# syntax=example.com/my/frontend\nFROM x\nCOPY f /f\n", "f", 1);
	CHECK_INPUTS("# unknown=1\nFROM x\nCOPY f /f\n", "f", 1);
	CHECK_INPUTS("# syntax=docker/dockerfile:1.7-labs\n# check=skip=all\n"
		     "FROM x\nCOPY f /f\n", "f", 0);
	CHECK_INPUTS("# syntax = docker.io/docker/dockerfile:1\nFROM x\nCOPY f /f\n", "f", 0);
	/* Case does not matter; ONBUILD runs in child builds only. */
	CHECK_INPUTS("from x\ncopy f /f\nadd g /g\nONBUILD COPY . /x\n", "f|g", 0);
}

TEST(dockerfile_long_lines)
{
	ais_buf text = AIS_BUF_INIT;
	ais_dockerfile_inputs in;
	size_t i;

	ais_buf_puts(&text, "FROM x\nCOPY ");
	for (i = 0; i < 1000; i++)
		ais_buf_printf(&text, "file%04zu.txt ", i);
	ais_buf_puts(&text, "/dst/\nCOPY last /l\n");
	CHECK(text.size > 8192);
	CHECK_INT(ais_dockerfile_parse_inputs(&in, text.ptr, text.size), 0);
	CHECK_INT(in.count, 1001);
	CHECK_STR(in.sources[999], "file0999.txt");
	CHECK_STR(in.sources[1000], "last");
	ais_dockerfile_inputs_dispose(&in);
	ais_buf_dispose(&text);
}

TEST(dockerfile_final_from_uses_the_same_reader)
{
	ais_buf from = AIS_BUF_INIT;
	char path[4096];

	snprintf(path, sizeof(path), "%s/Dockerfile", test_tmpdir());
	/* Heredoc bodies and the escape directive are the reader's job. */
	test_write("Dockerfile", "# escape=`\n"
				 "FROM --platform=linux/amd64 alpine:3 AS Build\n"
				 "RUN <<EOF\n"
				 "FROM not-an-instruction\n"
				 "EOF\n"
				 "FROM `\n"
				 "  build\n");
	CHECK_INT(ais_dockerfile_final_from(&from, path), 0);
	CHECK_STR(ais_buf_cstr(&from), "alpine:3");
	test_write("Dockerfile", "FROM a\nFROM $X\n");
	CHECK_INT(ais_dockerfile_final_from(&from, path), 0);
	CHECK_STR(ais_buf_cstr(&from), "");
	ais_buf_dispose(&from);
}

/* A heredoc opener with no delimiter at the very end of the text, bare,
 * stripped and quoted: nothing is read past the end (found by
 * fuzz_dockerfile, kept in its corpus). */
TEST(dockerfile_heredoc_opener_at_the_end)
{
	static const char *const texts[] = {
		"FROM x\nRUN <<", "FROM x\nRUN <<-", "FROM x\nRUN <<'",
		"FROM x\nCOPY <<\"", "FROM x\nRUN << \n/OV$Ev$V /v\n",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ais_dockerfile_inputs in = AIS_DOCKERFILE_INPUTS_INIT;

		ais_dockerfile_parse_inputs(&in, texts[i], strlen(texts[i]));
		ais_error_clear();
		ais_dockerfile_inputs_dispose(&in);
	}
}
