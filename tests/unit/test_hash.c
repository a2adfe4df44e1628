#include "test.h"

#include "error.h"
#include "hash.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* Known values: sha256("") and the spec's example path. */
TEST(hash_sha256_empty)
{
	char hex[AIS_SHA256_HEX_LEN + 1];

	CHECK_INT(ais_hash_sha256_hex(hex, "", 0), 0);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(hash_h12_project_path)
{
	char h[AIS_H12_LEN + 1];
	const char *p = "/home/user/project";

	CHECK_INT(ais_hash_h12(h, p, strlen(p)), 0);
	CHECK_STR(h, "9dad1e4e08b0");
}

TEST(hash_file_matches_string)
{
	char path[512], a[AIS_H12_LEN + 1], b[AIS_H12_LEN + 1];
	const char *text = "FROM aishell:base\r\nRUN echo \xc3\xa9\n";
	FILE *f;

	snprintf(path, sizeof(path), "%s/Dockerfile", test_tmpdir());
	f = fopen(path, "wb");
	fputs(text, f);
	fclose(f);
	CHECK_INT(ais_hash_file_h12(a, path), 0);
	CHECK_INT(ais_hash_h12(b, text, strlen(text)), 0);
	CHECK_STR(a, b);
}

TEST(hash_file_large_streamed)
{
	char path[512], a[AIS_H12_LEN + 1], b[AIS_H12_LEN + 1];
	static char big[300000];
	FILE *f;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 31 + 7);
	snprintf(path, sizeof(path), "%s/big", test_tmpdir());
	f = fopen(path, "wb");
	fwrite(big, 1, sizeof(big), f);
	fclose(f);
	CHECK_INT(ais_hash_file_h12(a, path), 0);
	CHECK_INT(ais_hash_h12(b, big, sizeof(big)), 0);
	CHECK_STR(a, b);
}

TEST(hash_file_missing_and_directory)
{
	char h[AIS_H12_LEN + 1], path[512];

	snprintf(path, sizeof(path), "%s/nope", test_tmpdir());
	CHECK_INT(ais_hash_file_h12(h, path), AIS_ENOTFOUND);
	CHECK_INT(ais_hash_file_h12(h, test_tmpdir()), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "not a regular file") != NULL);
}

TEST(hash_hex_encode)
{
	const unsigned char data[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];

	ais_hex_encode(out, data, sizeof(data));
	CHECK_STR(out, "000fa5ff");
	ais_hex_encode(out, data, 0);
	CHECK_STR(out, "");
}

TEST(hash_fd_streams_the_rest)
{
	char path[512], a[AIS_SHA256_HEX_LEN + 1], b[AIS_SHA256_HEX_LEN + 1];
	static char big[200000];
	size_t i;
	FILE *f;
	int fd;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	snprintf(path, sizeof(path), "%s/big", test_tmpdir());
	f = fopen(path, "wb");
	fwrite(big, 1, sizeof(big), f);
	fclose(f);
	fd = open(path, O_RDONLY);
	CHECK_INT(ais_hash_fd(a, fd), 0);
	CHECK_INT(ais_hash_sha256_hex(b, big, sizeof(big)), 0);
	CHECK_STR(a, b);
	/* from the current offset */
	CHECK_INT(lseek(fd, 100, SEEK_SET), 100);
	CHECK_INT(ais_hash_fd(a, fd), 0);
	CHECK_INT(ais_hash_sha256_hex(b, big + 100, sizeof(big) - 100), 0);
	CHECK_STR(a, b);
	close(fd);
	CHECK_INT(ais_hash_fd(a, fd), AIS_ERROR);
	CHECK(strstr(ais_error_last()->message, "cannot read") != NULL);
}
