/*
 * fsutil.h - small file-system helpers shared by the modules.
 */
#ifndef AIS_FSUTIL_H
#define AIS_FSUTIL_H

#include <sys/types.h>

/* mkdir -p: create `dir` and its missing parents with `mode`. */
int ais_mkdirs(const char *dir, mode_t mode);

#endif
