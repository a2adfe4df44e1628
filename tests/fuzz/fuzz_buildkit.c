/* libFuzzer target: BuildKit StatusResponse decoding (raw protobuf, sent
 * base64-encoded as the engine does). */
#include "buildkit.h"
#include "error.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

static void on_step(const char *name, int step, int steps, bool cached, void *p)
{
	(void)name, (void)step, (void)steps, (void)cached, (void)p;
}

static void on_line(const char *line, void *p)
{
	(void)line, (void)p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ais_buildkit_callbacks cb = { on_step, on_line, NULL };
	ais_buf tail = AIS_BUF_INIT;
	ais_buildkit *bk = NULL;
	char *b64;

	if (size > 65536)
		return 0;
	b64 = malloc(size * 2 + 8);
	if (!b64 || ais_buildkit_new(&bk) < 0) {
		free(b64);
		return 0;
	}
	EVP_EncodeBlock((unsigned char *)b64, data, (int)size);
	ais_buildkit_feed(bk, b64, &cb);
	ais_buildkit_feed(bk, b64, &cb);
	ais_buildkit_failed_step(bk);
	ais_buildkit_failed_tail(&tail, bk, 20);
	ais_buf_dispose(&tail);
	ais_buildkit_free(bk);
	free(b64);
	ais_error_clear();
	return 0;
}
