#include "test.h"

#include "buildkit.h"
#include "error.h"

#include "buildkit.pb-c.h"

#include <openssl/evp.h>
#include <stdlib.h>

typedef Aishell__Buildkit__StatusResponse bk_resp;
typedef Aishell__Buildkit__Vertex bk_vtx;
typedef Aishell__Buildkit__VertexLog bk_log;
typedef Aishell__Buildkit__Timestamp bk_ts;

static char steps_seen[1024];
static char lines_seen[1024];

static void on_step(const char *name, int step, int steps, bool cached, void *p)
{
	size_t n = strlen(steps_seen);

	(void)p;
	snprintf(steps_seen + n, sizeof(steps_seen) - n, "%d/%d %s%s|", step, steps,
		 name, cached ? " cached" : "");
}

static void on_line(const char *line, void *p)
{
	size_t n = strlen(lines_seen);

	(void)p;
	snprintf(lines_seen + n, sizeof(lines_seen) - n, "%s|", line);
}

/* Pack a StatusResponse and base64 it, as the engine's JSON does. */
static char *encode(bk_resp *r)
{
	size_t len = aishell__buildkit__status_response__get_packed_size(r);
	uint8_t *raw = malloc(len + 1);
	char *b64 = malloc(len * 2 + 8);

	aishell__buildkit__status_response__pack(r, raw);
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)len);
	free(raw);
	return b64;
}

static void vertex(bk_vtx *v, const char *digest, const char *name, bk_ts *started,
		   bool cached, const char *error)
{
	aishell__buildkit__vertex__init(v);
	v->digest = (char *)digest;
	v->name = (char *)name;
	v->started = started;
	v->cached = cached;
	if (error)
		v->error = (char *)error;
}

static void logline(bk_log *l, const char *digest, const char *msg)
{
	aishell__buildkit__vertex_log__init(l);
	l->vertex = (char *)digest;
	l->msg.data = (uint8_t *)msg;
	l->msg.len = strlen(msg);
}

TEST(buildkit_trace_steps_logs_and_failure)
{
	ais_buildkit *bk = NULL;
	ais_buildkit_callbacks cb = { on_step, on_line, NULL };
	bk_resp r;
	bk_vtx v1, v2, v2err;
	bk_vtx *vs[2];
	bk_log l1, l2, l3;
	bk_log *ls[3];
	bk_ts ts;
	ais_buf tail = AIS_BUF_INIT;
	char *b64;

	steps_seen[0] = lines_seen[0] = '\0';
	aishell__buildkit__timestamp__init(&ts);
	ts.seconds = 1;
	CHECK_INT(ais_buildkit_new(&bk), 0);

	/* Message 1: two steps start, the first from cache; output arrives split. */
	aishell__buildkit__status_response__init(&r);
	vertex(&v1, "sha256:a", "[1/2] FROM base", &ts, true, NULL);
	vertex(&v2, "sha256:b", "[2/2] RUN make", &ts, false, NULL);
	vs[0] = &v1;
	vs[1] = &v2;
	r.n_vertexes = 2;
	r.vertexes = vs;
	logline(&l1, "sha256:b", "compiling\nlink");
	logline(&l2, "sha256:b", "ing\n");
	ls[0] = &l1;
	ls[1] = &l2;
	r.n_logs = 2;
	r.logs = ls;
	b64 = encode(&r);
	CHECK_INT(ais_buildkit_feed(bk, b64, &cb), 0);
	free(b64);
	CHECK_STR(steps_seen, "1/2 [1/2] FROM base cached|2/2 [2/2] RUN make|");
	CHECK_STR(lines_seen, "compiling|linking|");

	/* Message 2: the same step again (no new start event), then its error. */
	aishell__buildkit__status_response__init(&r);
	vertex(&v2err, "sha256:b", "[2/2] RUN make", &ts, false, "exit code: 2");
	vs[0] = &v2err;
	r.n_vertexes = 1;
	r.vertexes = vs;
	logline(&l3, "sha256:b", "error: undefined reference\n");
	ls[0] = &l3;
	r.n_logs = 1;
	r.logs = ls;
	b64 = encode(&r);
	CHECK_INT(ais_buildkit_feed(bk, b64, &cb), 0);
	free(b64);
	CHECK_STR(steps_seen, "1/2 [1/2] FROM base cached|2/2 [2/2] RUN make|");
	CHECK_STR(ais_buildkit_failed_step(bk), "[2/2] RUN make");
	CHECK_INT(ais_buildkit_failed_tail(&tail, bk, 2), 0);
	CHECK_STR(ais_buf_cstr(&tail), "linking\nerror: undefined reference\n");
	ais_buf_dispose(&tail);
	ais_buildkit_free(bk);
}

/* Found by fuzz_buildkit: a log record with no bytes. */
TEST(buildkit_trace_empty_log_message)
{
	ais_buildkit *bk = NULL;
	bk_resp r;
	bk_log l;
	bk_log *ls[1] = { &l };
	char *b64;

	CHECK_INT(ais_buildkit_new(&bk), 0);
	aishell__buildkit__status_response__init(&r);
	aishell__buildkit__vertex_log__init(&l);
	l.vertex = (char *)"sha256:a";
	r.n_logs = 1;
	r.logs = ls;
	b64 = encode(&r);
	CHECK_INT(ais_buildkit_feed(bk, b64, NULL), 0);
	free(b64);
	ais_buildkit_free(bk);
}

TEST(buildkit_trace_rejects_garbage)
{
	ais_buildkit *bk = NULL;

	CHECK_INT(ais_buildkit_new(&bk), 0);
	CHECK_INT(ais_buildkit_feed(bk, "not base64!", NULL), AIS_EINVALID);
	CHECK_INT(ais_buildkit_feed(bk, "", NULL), AIS_EINVALID);
	/* Valid base64, not a protobuf message (a truncated field). */
	CHECK_INT(ais_buildkit_feed(bk, "Cv8=", NULL), AIS_EINVALID);
	CHECK(ais_buildkit_failed_step(bk) == NULL);
	ais_buildkit_free(bk);
}
