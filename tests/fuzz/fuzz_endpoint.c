/* libFuzzer target: DOCKER_HOST parsing and endpoint resolution; the input
 * is DOCKER_HOST, then (after a NUL) DOCKER_CONTEXT. */
#include "endpoint.h"
#include "error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ais_endpoint_env env = { 0 };
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char *text = malloc(size + 2);
	size_t first;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	first = strlen(text);
	env.docker_host = first ? text : NULL;
	env.docker_context = first < size && text[first + 1] ? text + first + 1 : NULL;
	env.docker_tls_verify = size % 2 ? "1" : NULL;
	env.docker_config = "/nonexistent-aishell-fuzz";
	env.home = "/nonexistent-aishell-fuzz";
	ais_endpoint_resolve(&ep, &env);
	ais_endpoint_dispose(&ep);
	free(text);
	ais_error_clear();
	return 0;
}
