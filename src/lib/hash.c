#include "hash.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void to_hex(char *out, const unsigned char *md, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

int ais_hash_sha256_hex(char out[AIS_SHA256_HEX_LEN + 1], const void *data,
			size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		return ais_error_set(AIS_ERROR, AIS_ERROR_OS, "sha256 failed");
	to_hex(out, md, mdlen);
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

int ais_hash_file_h12(char out[AIS_H12_LEN + 1], const char *path)
{
	unsigned char md[EVP_MAX_MD_SIZE], chunk[65536];
	char full[AIS_SHA256_HEX_LEN + 1];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = NULL;
	struct stat st;
	ssize_t n;
	int fd, error = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ais_error_set_os(errno == ENOENT ? AIS_ENOTFOUND : AIS_ERROR,
					errno, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error = ais_error_set(AIS_EINVALID, AIS_ERROR_OS,
				      "'%s' is not a regular file", path);
		goto done;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		error = ais_error_set(AIS_ERROR, AIS_ERROR_OS, "sha256 failed");
		goto done;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = ais_error_set_os(AIS_ERROR, errno,
						 "cannot read '%s'", path);
			goto done;
		}
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	to_hex(full, md, mdlen);
	memcpy(out, full, AIS_H12_LEN);
	out[AIS_H12_LEN] = '\0';
done:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return error;
}
