/*
 * hash.h - SHA-256 digests in the forms the image chain uses.
 *
 * H12(s) is the first 12 lowercase hex digits of SHA-256 over the bytes of s;
 * it names ext images (H12 of the project path) and fills the Dockerfile-hash
 * labels (H12 of the file's bytes).
 */
#ifndef AIS_HASH_H
#define AIS_HASH_H

#include <stddef.h>

#define AIS_SHA256_LEN 32
#define AIS_SHA256_HEX_LEN (2 * AIS_SHA256_LEN)
#define AIS_H12_LEN 12

/* A SHA-256 fed piece by piece (OpenSSL's EVP digest).  Each function
 * returns 0, or AIS_ERROR ("SHA-256 failed") / AIS_ENOMEM. */
typedef struct ais_sha256 ais_sha256;

int ais_sha256_new(ais_sha256 **out);
void ais_sha256_free(ais_sha256 *h);
/* Start a digest (again). */
int ais_sha256_init(ais_sha256 *h);
int ais_sha256_update(ais_sha256 *h, const void *data, size_t len);
int ais_sha256_final(unsigned char md[AIS_SHA256_LEN], ais_sha256 *h);

/* The raw digest of `len` bytes at `data`. */
int ais_sha256_digest(unsigned char md[AIS_SHA256_LEN], const void *data,
		      size_t len);

/* Full 64-digit lowercase hex digest of `len` bytes at `data`. */
int ais_hash_sha256_hex(char out[AIS_SHA256_HEX_LEN + 1], const void *data,
			size_t len);

/* `len` bytes as 2 * len lowercase hex digits and a NUL. */
void ais_hex_encode(char *out, const unsigned char *data, size_t len);

/* H12 of `len` bytes. */
int ais_hash_h12(char out[AIS_H12_LEN + 1], const void *data, size_t len);

/* Full hex digest of everything left to read in `fd`, streamed. */
int ais_hash_fd(char out[AIS_SHA256_HEX_LEN + 1], int fd);

/* H12 of a file's contents, streamed.  AIS_ENOTFOUND if it does not exist,
 * AIS_EINVALID if it is not a regular file (a FIFO is refused, never
 * waited on). */
int ais_hash_file_h12(char out[AIS_H12_LEN + 1], const char *path);

#endif
