#include "hash.h"

#include "error.h"
#include "fsutil.h"

#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

void ais_hex_encode(char *out, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

static int sha256_failed(void)
{
	return ais_error_set(AIS_ERROR, "SHA-256 failed (OpenSSL)");
}

/* An ais_sha256 is an EVP_MD_CTX: the type only keeps OpenSSL's header out
 * of hash.h. */
#define EVP(h) ((EVP_MD_CTX *)(h))

int ais_sha256_new(ais_sha256 **out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	*out = (ais_sha256 *)ctx;
	AIS_CHECK_ALLOC(ctx);
	return 0;
}

void ais_sha256_free(ais_sha256 *h)
{
	EVP_MD_CTX_free(EVP(h));
}

int ais_sha256_init(ais_sha256 *h)
{
	return EVP_DigestInit_ex(EVP(h), EVP_sha256(), NULL) ? 0 : sha256_failed();
}

int ais_sha256_update(ais_sha256 *h, const void *data, size_t len)
{
	return EVP_DigestUpdate(EVP(h), data, len) ? 0 : sha256_failed();
}

int ais_sha256_final(unsigned char md[AIS_SHA256_LEN], ais_sha256 *h)
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!EVP_DigestFinal_ex(EVP(h), full, &len) || len != AIS_SHA256_LEN)
		return sha256_failed();
	memcpy(md, full, AIS_SHA256_LEN);
	return 0;
}

int ais_sha256_digest(unsigned char md[AIS_SHA256_LEN], const void *data,
		      size_t len)
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, full, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != AIS_SHA256_LEN)
		return sha256_failed();
	memcpy(md, full, AIS_SHA256_LEN);
	return 0;
}

int ais_hash_sha256_hex(char out[AIS_SHA256_HEX_LEN + 1], const void *data,
			size_t len)
{
	unsigned char md[AIS_SHA256_LEN];
	int error;

	if ((error = ais_sha256_digest(md, data, len)) < 0)
		return error;
	ais_hex_encode(out, md, AIS_SHA256_LEN);
	return 0;
}

int ais_hash_h12(char out[AIS_H12_LEN + 1], const void *data, size_t len)
{
	char full[AIS_SHA256_HEX_LEN + 1];
	int error;

	if ((error = ais_hash_sha256_hex(full, data, len)) < 0)
		return error;
	memcpy(out, full, AIS_H12_LEN);
	out[AIS_H12_LEN] = '\0';
	return 0;
}

int ais_hash_fd(char out[AIS_SHA256_HEX_LEN + 1], int fd)
{
	unsigned char md[AIS_SHA256_LEN], chunk[65536];
	ais_sha256 *h = NULL;
	ssize_t n;
	int error;

	if ((error = ais_sha256_new(&h)) < 0 || (error = ais_sha256_init(h)) < 0)
		goto done;
	while ((n = ais_fs_read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			error = (int)n;
			goto done;
		}
		if ((error = ais_sha256_update(h, chunk, (size_t)n)) < 0)
			goto done;
	}
	if ((error = ais_sha256_final(md, h)) == 0)
		ais_hex_encode(out, md, AIS_SHA256_LEN);
done:
	ais_sha256_free(h);
	return error;
}

int ais_hash_file_h12(char out[AIS_H12_LEN + 1], const char *path)
{
	char full[AIS_SHA256_HEX_LEN + 1];
	int fd, error;

	if ((fd = ais_fs_open_regular(path, 0, NULL)) < 0)
		return fd;
	error = ais_hash_fd(full, fd);
	close(fd);
	if (error < 0)
		return error;
	memcpy(out, full, AIS_H12_LEN);
	out[AIS_H12_LEN] = '\0';
	return 0;
}
