/* libFuzzer target: finding what a Dockerfile's COPY and ADD read. */
#include "dockerfile.h"
#include "error.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ais_dockerfile_inputs in;

	if (ais_dockerfile_parse_inputs(&in, (const char *)data, size) == 0)
		ais_dockerfile_inputs_dispose(&in);
	ais_error_clear();
	return 0;
}
