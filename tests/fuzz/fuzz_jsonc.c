/* libFuzzer target: the JSONC reader (devcontainer.json with comments and
 * trailing commas). */
#include "error.h"
#include "jsonc.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *json = NULL;

	if (ais_jsonc_parse(&json, (const char *)data, size, "fuzz.json") == 0)
		cJSON_Delete(json);
	ais_error_clear();
	return 0;
}
