/*
 * setting.h - single top-level settings of config.yaml read on their own,
 * without loading (and validating) the whole file: commands that build
 * images need only these.
 */
#ifndef AIS_SETTING_H
#define AIS_SETTING_H

/* The string value of the top-level key `key` in the YAML file at `path`:
 * 0 with *out a malloc'd string, or with *out NULL when the file, the key
 * or its value is absent (a missing file is no error).  AIS_EINVALID, with
 * "path:line:column: ..." in the message, when the value is not a string
 * or the YAML is invalid. */
int ais_setting_read(char **out, const char *path, const char *key);

#endif
