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

int ais_hash_sha256_hex(char out[AIS_SHA256_HEX_LEN + 1], const void *data,
			size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != AIS_SHA256_HEX_LEN / 2)
		return sha256_failed();
	ais_hex_encode(out, md, mdlen);
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
	unsigned char md[EVP_MAX_MD_SIZE], chunk[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int error = 0;

	if (!(ctx = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		error = sha256_failed();
		goto done;
	}
	while ((n = ais_fs_read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			error = (int)n;
			goto done;
		}
		if (!EVP_DigestUpdate(ctx, chunk, (size_t)n)) {
			error = sha256_failed();
			goto done;
		}
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) ||
	    mdlen != AIS_SHA256_HEX_LEN / 2) {
		error = sha256_failed();
		goto done;
	}
	ais_hex_encode(out, md, mdlen);
done:
	EVP_MD_CTX_free(ctx);
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
