/* libFuzzer target: image inspect JSON (ids, labels). */
#include "docker.h"
#include "error.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ais_image *img = NULL;

	if (ais_image_from_json(&img, (const char *)data, size) == 0) {
		ais_image_id(img);
		ais_image_label(img, "aishell.base.id");
		ais_image_label(img, "aishell.extension.hash");
		ais_image_tag_count(img);
	}
	ais_image_free(img);
	ais_error_clear();
	return 0;
}
