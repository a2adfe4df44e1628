/* libFuzzer target: the Engine API build stream (JSON lines, legacy and
 * BuildKit trace messages), fed in pieces whose size the input picks. */
#include "docker.h"
#include "error.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ais_build_result res;
	size_t piece;

	if (size < 1)
		return 0;
	piece = data[0] % 64;
	ais_build_result_init(&res);
	ais_docker__parse_build_stream(&res, (const char *)data + 1, size - 1, piece);
	ais_build_result_dispose(&res);
	ais_error_clear();
	return 0;
}
