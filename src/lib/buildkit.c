#include "buildkit.h"

#include "buf.h"
#include "error.h"
#include "lazy.h"

#include "buildkit.pb-c.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Output kept per step: enough for the tail of a failure. */
#define BK_LOG_KEEP (64 * 1024)

typedef struct {
	char *digest;
	char *name;
	bool started;
	bool failed;
	ais_buf log;     /* the step's recent output */
	ais_buf partial; /* an output line not yet ended */
} bk_vertex;

struct ais_buildkit {
	bk_vertex *v;
	size_t n, alloc;
	long failed;     /* index of the failed vertex, -1 */
	long last;       /* index of the last started vertex, -1 */
};

int ais_buildkit_new(ais_buildkit **out)
{
	ais_buildkit *bk;
	int error;

	*out = NULL;
	if ((error = ais_protobuf_c_ready()) < 0)
		return error;
	bk = calloc(1, sizeof(*bk));
	AIS_CHECK_ALLOC(bk);
	bk->failed = bk->last = -1;
	*out = bk;
	return 0;
}

void ais_buildkit_free(ais_buildkit *bk)
{
	size_t i;

	if (!bk)
		return;
	for (i = 0; i < bk->n; i++) {
		free(bk->v[i].digest);
		free(bk->v[i].name);
		ais_buf_dispose(&bk->v[i].log);
		ais_buf_dispose(&bk->v[i].partial);
	}
	free(bk->v);
	free(bk);
}

static bk_vertex *bk_vertex_get(ais_buildkit *bk, const char *digest)
{
	bk_vertex *p;
	size_t i;

	for (i = 0; i < bk->n; i++)
		if (!strcmp(bk->v[i].digest, digest))
			return &bk->v[i];
	if (!(p = ais_array_grow(bk->v, &bk->alloc, bk->n, sizeof(*p), 16)))
		return NULL;
	bk->v = p;
	memset(&bk->v[bk->n], 0, sizeof(bk->v[bk->n]));
	bk->v[bk->n].digest = strdup(digest);
	if (!bk->v[bk->n].digest)
		return NULL;
	return &bk->v[bk->n++];
}

/* Standard base64 with padding, as Go's encoding/json writes []byte. */
static int bk_base64(ais_buf *out, const char *text)
{
	size_t len = strlen(text), pad = 0;
	int n;

	if (len == 0 || len % 4 != 0)
		return ais_error_set(AIS_EINVALID,
				     "BuildKit trace is not base64");
	if (text[len - 1] == '=')
		pad++;
	if (text[len - 2] == '=')
		pad++;
	if (ais_buf_grow(out, len / 4 * 3) < 0)
		return AIS_ENOMEM;
	n = EVP_DecodeBlock((unsigned char *)out->ptr, (const unsigned char *)text,
			    (int)len);
	if (n < 0 || (size_t)n < pad)
		return ais_error_set(AIS_EINVALID,
				     "BuildKit trace is not base64");
	out->size = (size_t)n - pad;
	out->ptr[out->size] = '\0';
	return 0;
}

static void bk_log(bk_vertex *v, const uint8_t *msg, size_t len,
		   const ais_buildkit_callbacks *cb)
{
	size_t i, start = 0;

	if (!len)
		return; /* an empty message, msg may be NULL */
	ais_buf_put(&v->log, msg, len);
	if (v->log.size > BK_LOG_KEEP)
		ais_buf_consume(&v->log, v->log.size - BK_LOG_KEEP);
	for (i = 0; i < len; i++) {
		if (msg[i] != '\n' && msg[i] != '\r')
			continue;
		ais_buf_put(&v->partial, msg + start, i - start);
		if (v->partial.size || msg[i] == '\n') {
			if (cb && cb->line)
				cb->line(ais_buf_cstr(&v->partial), cb->payload);
		}
		ais_buf_clear(&v->partial);
		start = i + 1;
	}
	ais_buf_put(&v->partial, msg + start, len - start);
}

int ais_buildkit_feed(ais_buildkit *bk, const char *base64, const ais_buildkit_callbacks *cb)
{
	Aishell__Buildkit__StatusResponse *resp = NULL;
	ais_buf raw = AIS_BUF_INIT;
	size_t i;
	int error;

	if ((error = bk_base64(&raw, base64)) < 0)
		goto done;
	resp = aishell__buildkit__status_response__unpack(
		NULL, raw.size, (const uint8_t *)ais_buf_cstr(&raw));
	if (!resp) {
		error = ais_error_set(AIS_EINVALID,
				      "BuildKit trace is not a StatusResponse");
		goto done;
	}
	for (i = 0; i < resp->n_vertexes; i++) {
		Aishell__Buildkit__Vertex *pv = resp->vertexes[i];
		bk_vertex *v = bk_vertex_get(bk, pv->digest ? pv->digest : "");

		if (!v) {
			error = ais_error_set(AIS_ENOMEM, "out of memory");
			goto done;
		}
		if (pv->name && pv->name[0] && !v->name)
			v->name = strdup(pv->name);
		if ((pv->started || pv->cached) && !v->started) {
			int step = 0, steps = 0;

			v->started = true;
			bk->last = v - bk->v;
			if (v->name)
				sscanf(v->name, "[%d/%d]", &step, &steps);
			if (cb && cb->step && v->name)
				cb->step(v->name, step, steps, pv->cached, cb->payload);
		}
		if (pv->error && pv->error[0] && !v->failed) {
			v->failed = true;
			if (bk->failed < 0)
				bk->failed = v - bk->v;
		}
	}
	for (i = 0; i < resp->n_logs; i++) {
		Aishell__Buildkit__VertexLog *pl = resp->logs[i];
		bk_vertex *v = bk_vertex_get(bk, pl->vertex ? pl->vertex : "");

		if (!v) {
			error = ais_error_set(AIS_ENOMEM, "out of memory");
			goto done;
		}
		bk_log(v, pl->msg.data, pl->msg.len, cb);
	}
done:
	if (resp)
		aishell__buildkit__status_response__free_unpacked(resp, NULL);
	ais_buf_dispose(&raw);
	return error;
}

static const bk_vertex *bk_failed(const ais_buildkit *bk)
{
	long i = bk->failed >= 0 ? bk->failed : bk->last;

	return i >= 0 ? &bk->v[i] : NULL;
}

const char *ais_buildkit_failed_step(const ais_buildkit *bk)
{
	const bk_vertex *v = bk_failed(bk);

	return v ? v->name : NULL;
}

int ais_buildkit_failed_tail(ais_buf *out, const ais_buildkit *bk, int lines)
{
	const bk_vertex *v = bk_failed(bk);
	const char *log, *start;
	size_t size;
	int seen = 0;

	if (!v)
		return 0;
	log = ais_buf_cstr(&v->log);
	size = v->log.size;
	while (size && (log[size - 1] == '\n' || log[size - 1] == '\r'))
		size--;
	start = log + size;
	while (start > log) {
		if (start[-1] == '\n' && ++seen == lines)
			break;
		start--;
	}
	if (ais_buf_put(out, start, (size_t)(log + size - start)) < 0)
		return AIS_ENOMEM;
	return size ? ais_buf_putc(out, '\n') : 0;
}
