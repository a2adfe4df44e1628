#include "test.h"

#include "docker.h"
#include "wscontainer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(wscontainer_parse_time)
{
	long long s1, s2;
	long n1, n2;

	CHECK(ais_wscontainer_parse_time("2026-11-27T01:05:00.5Z", &s1, &n1));
	CHECK(ais_wscontainer_parse_time("2026-11-27T01:05:00Z", &s2, &n2));
	CHECK_INT(s1, s2);
	CHECK_INT(n1, 500000000);
	CHECK_INT(n2, 0);
	CHECK(ais_wscontainer_parse_time("2026-11-27T01:05:00.123456789Z", &s1, &n1));
	CHECK_INT(n1, 123456789);
	CHECK_INT(s2, 1795741500LL);
	CHECK(!ais_wscontainer_parse_time("2026-11-27 01:05:00", &s1, &n1));
	CHECK(!ais_wscontainer_parse_time("2026-11-27T01:05:00+01:00", &s1, &n1));
}

/* An image as GET /images/{name}/json describes it: id, layers, created. */
static ais_image *image(const char *id, const char *layers, const char *created)
{
	char json[1024];
	ais_image *img = NULL;

	/* A well-formed id: 64 digits, the letter's number zero-padded. */
	snprintf(json, sizeof(json),
		 "{\"Id\": \"sha256:%064d\", \"RootFS\": {\"Layers\": [%s]}%s%s%s}",
		 (int)(id[0] - 'a'), layers, created ? ", \"Created\": \"" : "",
		 created ? created : "", created ? "\"" : "");
	CHECK_INT(ais_image_from_json(&img, json, strlen(json)), 0);
	return img;
}

TEST(wscontainer_derived_from_layers_and_time)
{
	ais_image *base = image("b", "\"l1\", \"l2\"", "2026-11-27T01:05:00.5Z");
	ais_image *uid = image("u", "\"l1\", \"l2\", \"l3\"", "2026-11-27T01:06:00Z");
	ais_image *same_time = image("s", "\"l1\", \"l2\", \"l3\"", "2026-11-27T01:05:00.5Z");
	ais_image *older = image("o", "\"l1\", \"l2\", \"l3\"", "2026-11-27T01:05:00.4Z");
	ais_image *other = image("x", "\"l1\", \"lX\", \"l3\"", "2026-11-27T01:06:00Z");
	ais_image *short_ = image("y", "\"l1\"", "2026-11-27T01:06:00Z");
	ais_image *no_time = image("n", "\"l1\", \"l2\", \"l3\"", NULL);
	ais_image *empty = image("e", "", "2026-11-27T01:00:00Z");

	/* the CLI's -uid image: base's layers first, made after it */
	CHECK(ais_wscontainer_derived_from(uid, base));
	CHECK(ais_wscontainer_derived_from(same_time, base));
	CHECK(ais_wscontainer_derived_from(base, base));
	/* made before the base: built on an older image with the same layers */
	CHECK(!ais_wscontainer_derived_from(older, base));
	/* another layer history, fewer layers, no time, no layers */
	CHECK(!ais_wscontainer_derived_from(other, base));
	CHECK(!ais_wscontainer_derived_from(short_, base));
	CHECK(!ais_wscontainer_derived_from(no_time, base));
	CHECK(!ais_wscontainer_derived_from(uid, empty));
	ais_image_free(base);
	ais_image_free(uid);
	ais_image_free(same_time);
	ais_image_free(older);
	ais_image_free(other);
	ais_image_free(short_);
	ais_image_free(no_time);
	ais_image_free(empty);
}
