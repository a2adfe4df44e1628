/* libFuzzer target: the config.yaml loader (libyaml, normalisation and the
 * global/project merge).  The input is split at the first NUL into the
 * global and the project file. */
#include "config.h"
#include "error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char global[64], project[64];
	const uint8_t *nul = memchr(data, 0, size);
	size_t first = nul ? (size_t)(nul - data) : size;
	ais_config *cfg = NULL;

	if (!global[0]) {
		snprintf(global, sizeof(global), "/tmp/ais-fuzz-global-%d.yaml", (int)getpid());
		snprintf(project, sizeof(project), "/tmp/ais-fuzz-project-%d.yaml", (int)getpid());
	}
	write_file(global, data, first);
	write_file(project, nul ? nul + 1 : data, nul ? size - first - 1 : 0);
	if (ais_config_load(&cfg, global, project, NULL, NULL) == 0)
		ais_config_free(cfg);
	ais_error_clear();
	return 0;
}
