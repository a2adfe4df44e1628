/*
 * wscontainer.h - a project's dev containers, and whether they are stale.
 *
 * The devcontainer CLI (and VS Code) reuse a workspace's container even
 * after the image behind its tag was rebuilt.  A container belongs to a
 * project when its label devcontainer.local_folder is the project
 * directory; it was made from a file `aishell devcontainer generate` wrote
 * when its devcontainer.metadata label carries customizations.aishell.
 * Only such containers are judged.
 */
#ifndef AIS_WSCONTAINER_H
#define AIS_WSCONTAINER_H

#include "docker.h"

#include <stdbool.h>
#include <stddef.h>

#define AIS_LABEL_DEVCONTAINER_FOLDER "devcontainer.local_folder"
#define AIS_LABEL_DEVCONTAINER_METADATA "devcontainer.metadata"

typedef enum {
	AIS_WSCONTAINER_FRESH = 0,
	AIS_WSCONTAINER_OUTDATED_IMAGE,  /* made for, or running, another image */
	AIS_WSCONTAINER_OUTDATED_CONFIG  /* made from another configuration */
} ais_wscontainer_state;

typedef struct {
	char id[80];
	char name[256];       /* without the leading '/' */
	char image[512];      /* the image name it was created from */
	char image_id[80];    /* the image it runs */
	char wanted[512];     /* the image its devcontainer.json named */
	char config[32];      /* customizations.aishell.config it was made
			       * from ("" when it records none) */
	bool stale;           /* state != AIS_WSCONTAINER_FRESH */
	ais_wscontainer_state state;
	char reason[1024];    /* one line: why it is outdated */
} ais_wscontainer;

/* What a project's dev containers are judged against. */
typedef struct {
	const char *tag;      /* the project's image: <repo>:ext-<H12> or :base */
	const char *tag_id;   /* its current id ("" when missing) */
	const char *config;   /* the configuration hash generating now gives
			       * (customizations.aishell.config); NULL: not
			       * judged */
	const char *config_json; /* the generated devcontainer.json text, to
				  * name the keys that differ; may be NULL */
} ais_wscontainer_want;

/* List the project's aishell-generated dev containers and judge each.
 * Outdated by image: it was made for another tag, or runs neither
 * want->tag_id nor an image derived from it (the CLI's `-uid` image: one
 * whose layers start with tag_id's and that was created after it).
 * Outdated by configuration: its recorded configuration hash is not
 * want->config (or it records none).  *out is an array of *count (free()
 * it). */
int ais_wscontainer_list(ais_wscontainer **out, size_t *count, ais_docker *d,
			 const char *project_dir, const ais_wscontainer_want *want);

/* Remove a container (running or not).  AIS_ENOTFOUND if it is gone.
 * Then its image is removed too when nothing but the devcontainer CLI's
 * derived tags (vsc-*) name it and nothing else uses it, which also prunes
 * its untagged parents (an ext image the tag moved away from). */
int ais_wscontainer_remove(ais_docker *d, const ais_wscontainer *c);

/* Whether `image` was built on `base`: base's layers start image's and
 * image was not created before it (the CLI's derived `-uid` image). */
bool ais_wscontainer_derived_from(const ais_image *image, const ais_image *base);

/* Seconds and nanoseconds of an RFC 3339 time as the engine writes it
 * ("2026-11-27T01:05:00.123456789Z"); false when it is not one. */
bool ais_wscontainer_parse_time(const char *s, long long *sec, long *nsec);

#endif
