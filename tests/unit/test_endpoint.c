#include "test.h"

#include "endpoint.h"
#include "error.h"
#include "hash.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* --- helpers ------------------------------------------------------------ */

static void mkdir_p(const char *path)
{
	char tmp[1024];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			test_fail(__FILE__, __LINE__, "mkdir %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		test_fail(__FILE__, __LINE__, "mkdir %s", tmp);
}

/* Write `text` to `path`, creating parent directories. */
static void write_file(const char *path, const char *text)
{
	char dir[1024];
	char *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir);
	}
	f = fopen(path, "w");
	if (!f) {
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void context_id(char id[AIS_SHA256_HEX_LEN + 1], const char *name)
{
	CHECK_INT(ais_hash_sha256_hex(id, name, strlen(name)), 0);
}

static void write_meta(const char *config, const char *name, const char *json)
{
	char id[AIS_SHA256_HEX_LEN + 1], path[1024];

	context_id(id, name);
	snprintf(path, sizeof(path), "%s/contexts/meta/%s/meta.json", config, id);
	write_file(path, json);
}

/* A context meta.json with the given docker endpoint Host and SkipTLSVerify. */
static void write_context(const char *config, const char *name,
			  const char *host, int skip_verify)
{
	char json[1024];

	snprintf(json, sizeof(json),
		 "{\"Name\":\"%s\",\"Metadata\":{},\"Endpoints\":{\"docker\":"
		 "{\"Host\":\"%s\",\"SkipTLSVerify\":%s}}}",
		 name, host, skip_verify ? "true" : "false");
	write_meta(config, name, json);
}

static void write_context_tls(const char *config, const char *name,
			      const char *file)
{
	char id[AIS_SHA256_HEX_LEN + 1], path[1024];

	context_id(id, name);
	snprintf(path, sizeof(path), "%s/contexts/tls/%s/docker/%s", config, id,
		 file);
	write_file(path, "-----BEGIN CERTIFICATE-----\n");
}

static const char *join(char *out, size_t size, const char *a, const char *b)
{
	snprintf(out, size, "%s/%s", a, b);
	return out;
}

static int contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

static int is_zero(const ais_endpoint *ep)
{
	return !ep->host && !ep->unix_path && !ep->base_url && !ep->tls &&
	       !ep->tls_verify && !ep->ca_file && !ep->cert_file &&
	       !ep->key_file && !ep->source && !ep->ssh_host &&
	       !ep->ssh_user && !ep->ssh_port && !ep->ssh_socket;
}

static void check_default(const ais_endpoint *ep)
{
	CHECK_STR(ep->host, "unix:///var/run/docker.sock");
	CHECK_STR(ep->unix_path, "/var/run/docker.sock");
	CHECK_STR(ep->base_url, "http://localhost");
	CHECK_STR(ep->source, "default");
	CHECK(!ep->tls);
	CHECK(!ep->tls_verify);
	CHECK(!ep->ca_file && !ep->cert_file && !ep->key_file);
}

/* Resolve, expecting AIS_EINVALID with `needle` in the message and a
 * zeroed result. */
static void check_invalid(const ais_endpoint_env *env, const char *needle)
{
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	ais_error_clear();
	CHECK_INT(ais_endpoint_resolve(&ep, env), AIS_EINVALID);
	CHECK_INT(ais_error_last()->code, AIS_EINVALID);
	if (!contains(ais_error_last()->message, needle))
		test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"",
			  ais_error_last()->message, needle);
	CHECK(strchr(ais_error_last()->message, '\n') == NULL);
	CHECK(is_zero(&ep));
	ais_endpoint_dispose(&ep);
}

/* An env whose DOCKER_CONFIG is an empty scratch directory. */
static ais_endpoint_env scratch_env(void)
{
	ais_endpoint_env env = { 0 };

	env.docker_config = test_tmpdir();
	return env;
}

/* --- default ------------------------------------------------------------ */

TEST(endpoint_default)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_default_with_empty_env)
{
	ais_endpoint_env env = { 0 };
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);

	CHECK_INT(ais_endpoint_resolve(&ep, NULL), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_empty_variables_are_unset)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = "";
	env.docker_context = "";
	env.docker_tls_verify = "";
	env.docker_cert_path = "";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_dispose_zeroed_and_twice)
{
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	ais_endpoint_dispose(&ep);
	ais_endpoint_dispose(&ep);
	CHECK(is_zero(&ep));
	ais_endpoint_dispose(NULL);

	CHECK_INT(ais_endpoint_resolve(&ep, NULL), 0);
	ais_endpoint_dispose(&ep);
	CHECK(is_zero(&ep));
	ais_endpoint_dispose(&ep);
	CHECK(is_zero(&ep));
}

/* --- DOCKER_HOST -------------------------------------------------------- */

TEST(endpoint_docker_host_unix)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = "unix:///run/user/1000/docker.sock";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "unix:///run/user/1000/docker.sock");
	CHECK_STR(ep.unix_path, "/run/user/1000/docker.sock");
	CHECK_STR(ep.base_url, "http://localhost");
	CHECK_STR(ep.source, "DOCKER_HOST");
	CHECK(!ep.tls);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_tcp_with_port)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = "tcp://10.0.0.5:12375";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://10.0.0.5:12375");
	CHECK(ep.unix_path == NULL);
	CHECK_STR(ep.base_url, "http://10.0.0.5:12375");
	CHECK_STR(ep.source, "DOCKER_HOST");
	CHECK(!ep.tls);
	CHECK(!ep.tls_verify);
	CHECK(!ep.ca_file && !ep.cert_file && !ep.key_file);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_tcp_default_port)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = "tcp://docker.example";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://docker.example:2375");
	CHECK_STR(ep.base_url, "http://docker.example:2375");
	ais_endpoint_dispose(&ep);

	/* a lone trailing slash and an empty port are tolerated */
	env.docker_host = "tcp://docker.example:/";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.base_url, "http://docker.example:2375");
	ais_endpoint_dispose(&ep);

	/* no name means localhost, as in opts.ParseTCPAddr */
	env.docker_host = "tcp://:4243";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.base_url, "http://localhost:4243");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_ipv6)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = "tcp://[::1]:2375";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://[::1]:2375");
	CHECK_STR(ep.base_url, "http://[::1]:2375");
	ais_endpoint_dispose(&ep);

	env.docker_host = "tcp://[fe80::1%eth0]";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.base_url, "http://[fe80::1%eth0]:2375");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_trimmed_and_schemeless)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = "  tcp://h:1234\n";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://h:1234");
	ais_endpoint_dispose(&ep);

	/* opts.ParseHost: no scheme is TCP, or unix for a path */
	env.docker_host = "h:1234";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://h:1234");
	CHECK_STR(ep.base_url, "http://h:1234");
	ais_endpoint_dispose(&ep);

	env.docker_host = "/tmp/d.sock";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "unix:///tmp/d.sock");
	CHECK_STR(ep.unix_path, "/tmp/d.sock");
	ais_endpoint_dispose(&ep);

	/* a blank DOCKER_HOST is the default socket */
	env.docker_host = "   ";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "unix:///var/run/docker.sock");
	CHECK_STR(ep.source, "DOCKER_HOST");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_tls_cert_path)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char certs[512], ca[600], cert[600];

	join(certs, sizeof(certs), test_tmpdir(), "certs");
	join(ca, sizeof(ca), certs, "ca.pem");
	join(cert, sizeof(cert), certs, "cert.pem");
	write_file(ca, "ca\n");
	write_file(cert, "cert\n");
	/* no key.pem: key_file stays NULL */

	env.docker_host = "tcp://secure.example";
	env.docker_tls_verify = "1";
	env.docker_cert_path = certs;
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://secure.example:2376");
	CHECK_STR(ep.base_url, "https://secure.example:2376");
	CHECK(ep.tls);
	CHECK(ep.tls_verify);
	CHECK_STR(ep.ca_file, ca);
	CHECK_STR(ep.cert_file, cert);
	CHECK(ep.key_file == NULL);
	CHECK_STR(ep.source, "DOCKER_HOST");
	ais_endpoint_dispose(&ep);

	/* an explicit port wins over 2376 */
	env.docker_host = "tcp://secure.example:9999";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.base_url, "https://secure.example:9999");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_tls_certs_default_to_config_dir)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char ca[600], cert[600], key[600];

	write_file(join(ca, sizeof(ca), test_tmpdir(), "ca.pem"), "x");
	write_file(join(cert, sizeof(cert), test_tmpdir(), "cert.pem"), "x");
	write_file(join(key, sizeof(key), test_tmpdir(), "key.pem"), "x");

	env.docker_host = "tcp://h";
	env.docker_tls_verify = "0"; /* any non-empty value, like the CLI */
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK(ep.tls);
	CHECK(ep.tls_verify);
	CHECK_STR(ep.ca_file, ca);
	CHECK_STR(ep.cert_file, cert);
	CHECK_STR(ep.key_file, key);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_tls_without_files)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = "tcp://h:2376";
	env.docker_tls_verify = "1";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK(ep.tls);
	CHECK(ep.tls_verify);
	CHECK(!ep.ca_file && !ep.cert_file && !ep.key_file);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_tls_ignored_for_unix)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char ca[600];

	write_file(join(ca, sizeof(ca), test_tmpdir(), "ca.pem"), "x");
	env.docker_host = "unix:///tmp/x.sock";
	env.docker_tls_verify = "1";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK(!ep.tls);
	CHECK(!ep.tls_verify);
	CHECK(ep.ca_file == NULL);
	CHECK_STR(ep.base_url, "http://localhost");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_beats_context)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char config[600];

	write_context(test_tmpdir(), "other", "unix:///run/other.sock", 0);
	write_file(join(config, sizeof(config), test_tmpdir(), "config.json"),
		   "{\"currentContext\":\"other\"}");
	env.docker_host = "tcp://winner:1";
	env.docker_context = "other";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://winner:1");
	CHECK_STR(ep.source, "DOCKER_HOST");
	ais_endpoint_dispose(&ep);

	/* config.json is not even read when DOCKER_HOST is set */
	write_file(config, "{broken");
	env.docker_context = NULL;
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.source, "DOCKER_HOST");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_docker_host_trailing_path_fails)
{
	ais_endpoint_env env = scratch_env();

	env.docker_host = "tcp://h:2375/some/path";
	check_invalid(&env, "invalid Docker host 'tcp://h:2375/some/path'");
	check_invalid(&env, "DOCKER_HOST");
}

TEST(endpoint_docker_host_malformed_tcp)
{
	ais_endpoint_env env = scratch_env();

	env.docker_host = "tcp://h:notaport";
	check_invalid(&env, "bad port");
	env.docker_host = "tcp://h:70000";
	check_invalid(&env, "bad port");
	env.docker_host = "tcp://h:0";
	check_invalid(&env, "bad port");
	env.docker_host = "tcp://[::1";
	check_invalid(&env, "bad IPv6 address");
	env.docker_host = "tcp://[::1]x";
	check_invalid(&env, "bad host name");
	env.docker_host = "tcp://user@h:2375";
	check_invalid(&env, "bad host name");
	env.docker_host = "tcp://::1:2375";
	check_invalid(&env, "invalid Docker host");
}

TEST(endpoint_empty_unix_path_fails)
{
	ais_endpoint_env env = scratch_env();

	env.docker_host = "unix://";
	check_invalid(&env, "empty socket path");
}

TEST(endpoint_unsupported_schemes)
{
	static const char *const hosts[] = {
		"npipe:////./pipe/docker_engine",
		"fd://", "http://h:2375", "https://h:2376", "bogus://x",
	};
	ais_endpoint_env env = scratch_env();
	char want[256];
	size_t i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		env.docker_host = hosts[i];
		snprintf(want, sizeof(want), "unsupported Docker host '%s'",
			 hosts[i]);
		check_invalid(&env, want);
		check_invalid(&env,
			      "aishell speaks unix://, tcp:// and ssh:// only");
	}
}

/* --- ssh ---------------------------------------------------------------- */

/* The ssh parts of a resolved endpoint (NULL: absent); nothing of TLS. */
static void check_ssh_parts(const ais_endpoint *ep, const char *host,
			    const char *name, const char *user,
			    const char *port, const char *socket)
{
	const char *const got[] = { ep->ssh_user, ep->ssh_port, ep->ssh_socket };
	const char *const want[] = { user, port, socket };
	size_t i;

	CHECK_STR(ep->host, host);
	CHECK_STR(ep->ssh_host, name);
	CHECK_STR(ep->base_url, "http://localhost");
	CHECK(!ep->unix_path);
	CHECK(!ep->tls && !ep->tls_verify);
	CHECK(!ep->ca_file && !ep->cert_file && !ep->key_file);
	for (i = 0; i < 3; i++) {
		if (want[i])
			CHECK_STR(got[i], want[i]);
		else
			CHECK(!got[i]);
	}
}

/* Resolve DOCKER_HOST=`given` and check the ssh parts. */
static void check_ssh(const char *given, const char *host, const char *name,
		      const char *user, const char *port, const char *socket)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	env.docker_host = given;
	env.docker_tls_verify = "1"; /* never applies to ssh */
	if (ais_endpoint_resolve(&ep, &env) < 0)
		test_fail(__FILE__, __LINE__, "'%s': %s", given,
			  ais_error_last()->message);
	check_ssh_parts(&ep, host, name, user, port, socket);
	CHECK_STR(ep.source, "DOCKER_HOST");
	ais_endpoint_dispose(&ep);
	CHECK(is_zero(&ep));
}

TEST(endpoint_ssh_host)
{
	check_ssh("ssh://me@remote", "ssh://me@remote", "remote", "me",
		  NULL, NULL);
	check_ssh("ssh://remote", "ssh://remote", "remote", NULL, NULL, NULL);
	check_ssh("  ssh://build-1.example.com:2222/\n",
		  "ssh://build-1.example.com:2222", "build-1.example.com",
		  NULL, "2222", NULL);
	check_ssh("ssh://u.s-e_r@10.0.0.5:22", "ssh://u.s-e_r@10.0.0.5:22",
		  "10.0.0.5", "u.s-e_r", "22", NULL);
	check_ssh("ssh://me@[::1]:2200", "ssh://me@[::1]:2200", "::1", "me",
		  "2200", NULL);
	check_ssh("ssh://[fe80::1%eth0]", "ssh://[fe80::1%eth0]",
		  "fe80::1%eth0", NULL, NULL, NULL);
	/* "host:" is no port, "@host" no user, as url.Parse reads them */
	check_ssh("ssh://@remote:", "ssh://remote", "remote", NULL, NULL, NULL);
	/* a path is the remote socket: docker --host unix://PATH */
	check_ssh("ssh://me@remote/run/user/1000/docker.sock",
		  "ssh://me@remote/run/user/1000/docker.sock", "remote", "me",
		  NULL, "/run/user/1000/docker.sock");
}

/* A copy owns its strings: it outlives the original, NULLs stay NULL. */
TEST(endpoint_copy_owns_its_strings)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT, copy = AIS_ENDPOINT_INIT;

	env.docker_host = "ssh://me@remote:2222/run/docker.sock";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_INT(ais_endpoint_copy(&copy, &ep), 0);
	CHECK(copy.host != ep.host && copy.ssh_socket != ep.ssh_socket);
	ais_endpoint_dispose(&ep);
	check_ssh_parts(&copy, "ssh://me@remote:2222/run/docker.sock", "remote",
			"me", "2222", "/run/docker.sock");
	CHECK_STR(copy.source, "DOCKER_HOST");
	ais_endpoint_dispose(&copy);
	CHECK(is_zero(&copy));
}

TEST(endpoint_ssh_bad)
{
	static const struct {
		const char *host, *why;
	} cases[] = {
		{ "ssh://", "no host name" },
		{ "ssh://me@", "no host name" },
		{ "ssh://me@:22", "no host name" },
		{ "ssh://me:pw@remote", "a password in the URL is not supported" },
		{ "ssh://remote?x=1", "a query after the host is not supported" },
		{ "ssh://remote/s.sock?x", "a query after the host is not supported" },
		{ "ssh://remote#top", "a fragment after the host is not supported" },
		{ "ssh://remote:0", "bad port" },
		{ "ssh://remote:65536", "bad port" },
		{ "ssh://remote:22x", "bad port" },
		{ "ssh://-oProxyCommand=x", "bad host name" },
		{ "ssh://re mote", "bad host name" },
		{ "ssh://a;b@remote", "bad user name" },
		{ "ssh://[::1", "bad IPv6 address" },
		{ "ssh://[]:22", "bad IPv6 address" },
		{ "ssh://[::1]x", "bad host name" },
		{ "ssh://remote/x;reboot", "bad socket path" },
		{ "ssh://remote/$(id)", "bad socket path" },
	};
	ais_endpoint_env env = scratch_env();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env.docker_host = cases[i].host;
		check_invalid(&env, cases[i].why);
		check_invalid(&env, "(from DOCKER_HOST)");
	}
}

TEST(endpoint_ssh_context)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	/* TLS files and SkipTLSVerify do not apply to an ssh endpoint */
	write_context(test_tmpdir(), "far", "ssh://dev@build.example:2022", 1);
	write_context_tls(test_tmpdir(), "far", "ca.pem");
	env.docker_context = "far";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_ssh_parts(&ep, "ssh://dev@build.example:2022", "build.example",
			"dev", "2022", NULL);
	CHECK_STR(ep.source, "context 'far'");
	ais_endpoint_dispose(&ep);
}

/* --- contexts ----------------------------------------------------------- */

TEST(endpoint_context_from_env)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	write_context(test_tmpdir(), "colima", "unix:///run/colima.sock", 0);
	env.docker_context = "colima";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "unix:///run/colima.sock");
	CHECK_STR(ep.unix_path, "/run/colima.sock");
	CHECK_STR(ep.base_url, "http://localhost");
	CHECK_STR(ep.source, "context 'colima'");
	CHECK(!ep.tls);
	CHECK(!ep.tls_verify);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_context_tcp_plain)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	write_context(test_tmpdir(), "lab", "tcp://lab.example", 0);
	env.docker_context = "lab";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://lab.example:2375");
	CHECK_STR(ep.base_url, "http://lab.example:2375");
	CHECK(!ep.tls);
	CHECK(!ep.ca_file && !ep.cert_file && !ep.key_file);
	CHECK_STR(ep.source, "context 'lab'");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_context_tcp_tls)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char id[AIS_SHA256_HEX_LEN + 1], want[1024];

	write_context(test_tmpdir(), "prod", "tcp://prod.example", 0);
	write_context_tls(test_tmpdir(), "prod", "ca.pem");
	write_context_tls(test_tmpdir(), "prod", "cert.pem");
	write_context_tls(test_tmpdir(), "prod", "key.pem");
	context_id(id, "prod");

	env.docker_context = "prod";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.host, "tcp://prod.example:2376");
	CHECK_STR(ep.base_url, "https://prod.example:2376");
	CHECK(ep.tls);
	CHECK(ep.tls_verify);
	snprintf(want, sizeof(want), "%s/contexts/tls/%s/docker/ca.pem",
		 test_tmpdir(), id);
	CHECK_STR(ep.ca_file, want);
	snprintf(want, sizeof(want), "%s/contexts/tls/%s/docker/cert.pem",
		 test_tmpdir(), id);
	CHECK_STR(ep.cert_file, want);
	snprintf(want, sizeof(want), "%s/contexts/tls/%s/docker/key.pem",
		 test_tmpdir(), id);
	CHECK_STR(ep.key_file, want);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_context_skip_tls_verify)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	write_context(test_tmpdir(), "lax", "tcp://lax.example:2376", 1);
	write_context_tls(test_tmpdir(), "lax", "ca.pem");
	env.docker_context = "lax";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK(ep.tls);
	CHECK(!ep.tls_verify);
	CHECK(ep.ca_file != NULL);
	CHECK(ep.cert_file == NULL);
	CHECK_STR(ep.base_url, "https://lax.example:2376");
	ais_endpoint_dispose(&ep);

	/* SkipTLSVerify alone turns TLS on (docker's Endpoint.tlsConfig) */
	write_context(test_tmpdir(), "bare", "tcp://bare.example", 1);
	env.docker_context = "bare";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK(ep.tls);
	CHECK(!ep.tls_verify);
	CHECK(!ep.ca_file && !ep.cert_file && !ep.key_file);
	CHECK_STR(ep.base_url, "https://bare.example:2376");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_context_tls_ignored_for_unix)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	write_context(test_tmpdir(), "sock", "unix:///run/s.sock", 0);
	write_context_tls(test_tmpdir(), "sock", "ca.pem");
	env.docker_context = "sock";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK(!ep.tls);
	CHECK(ep.ca_file == NULL);
	CHECK_STR(ep.unix_path, "/run/s.sock");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_current_context_from_config)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char config[600];

	write_context(test_tmpdir(), "desktop-linux",
		      "unix:///home/u/.docker/desktop/docker.sock", 0);
	write_file(join(config, sizeof(config), test_tmpdir(), "config.json"),
		   "{\n\t\"auths\": {},\n\t\"currentContext\": \"desktop-linux\"\n}\n");
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.unix_path, "/home/u/.docker/desktop/docker.sock");
	CHECK_STR(ep.source, "context 'desktop-linux'");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_context_env_beats_config)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char config[600];

	write_context(test_tmpdir(), "a", "unix:///run/a.sock", 0);
	write_context(test_tmpdir(), "b", "unix:///run/b.sock", 0);
	write_file(join(config, sizeof(config), test_tmpdir(), "config.json"),
		   "{\"currentContext\":\"a\"}");
	env.docker_context = "b";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.unix_path, "/run/b.sock");
	CHECK_STR(ep.source, "context 'b'");
	ais_endpoint_dispose(&ep);

	/* DOCKER_CONTEXT=default overrides a non-default currentContext */
	env.docker_context = "default";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_context_default)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char config[600];

	env.docker_context = "default";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);

	env.docker_context = NULL;
	write_file(join(config, sizeof(config), test_tmpdir(), "config.json"),
		   "{\"currentContext\":\"default\"}");
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_config_without_current_context)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char config[600];

	join(config, sizeof(config), test_tmpdir(), "config.json");
	write_file(config, "{\"auths\":{\"https://index.docker.io/v1/\":{}}}");
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);

	write_file(config, "{\"currentContext\":\"\"}");
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);

	/* the CLI accepts an empty config.json */
	write_file(config, " \n");
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_missing_context)
{
	ais_endpoint_env env = scratch_env();
	char config[600];

	env.docker_context = "nope";
	check_invalid(&env, "context 'nope' not found");

	env.docker_context = NULL;
	write_file(join(config, sizeof(config), test_tmpdir(), "config.json"),
		   "{\"currentContext\":\"gone\"}");
	check_invalid(&env, "context 'gone' not found");

	/* no DOCKER_CONFIG and no HOME: no context store to look in */
	env.docker_config = NULL;
	env.docker_context = "nope";
	check_invalid(&env, "context 'nope' not found");
}

TEST(endpoint_malformed_config)
{
	ais_endpoint_env env = scratch_env();
	char config[600];

	join(config, sizeof(config), test_tmpdir(), "config.json");
	write_file(config, "{\n\"currentContext\": \"x\",\n oops\n}");
	check_invalid(&env, config);
	check_invalid(&env, "line 3");

	write_file(config, "[\"not\", \"an object\"]");
	check_invalid(&env, config);

	write_file(config, "{\"currentContext\": 42}");
	check_invalid(&env, "currentContext");
}

TEST(endpoint_malformed_meta)
{
	ais_endpoint_env env = scratch_env();

	env.docker_context = "bad";
	write_meta(test_tmpdir(), "bad", "{\"Name\":\"bad\",");
	check_invalid(&env, "meta.json");

	write_meta(test_tmpdir(), "bad", "");
	check_invalid(&env, "meta.json");

	write_meta(test_tmpdir(), "bad", "{\"Name\":\"bad\",\"Endpoints\":{}}");
	check_invalid(&env, "context 'bad' has no docker endpoint");

	write_meta(test_tmpdir(), "bad",
		   "{\"Endpoints\":{\"docker\":{\"Host\":7}}}");
	check_invalid(&env, "Host is not a string");

	write_context(test_tmpdir(), "bad", "npipe:////./pipe/x", 0);
	check_invalid(&env, "unsupported Docker host 'npipe:////./pipe/x'");
	check_invalid(&env, "context 'bad'");

	write_context(test_tmpdir(), "bad", "ssh://me:secret@remote", 0);
	check_invalid(&env, "a password in the URL is not supported");
	check_invalid(&env, "context 'bad'");
}

TEST(endpoint_context_without_host_is_default_socket)
{
	ais_endpoint_env env = scratch_env();
	ais_endpoint ep = AIS_ENDPOINT_INIT;

	write_meta(test_tmpdir(), "empty",
		   "{\"Name\":\"empty\",\"Endpoints\":{\"docker\":{}}}");
	env.docker_context = "empty";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.unix_path, "/var/run/docker.sock");
	CHECK_STR(ep.source, "context 'empty'");
	ais_endpoint_dispose(&ep);
}

TEST(endpoint_home_used_when_docker_config_unset)
{
	ais_endpoint_env env = { 0 };
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	char dot_docker[512], config[600], ca[600];

	join(dot_docker, sizeof(dot_docker), test_tmpdir(), ".docker");
	write_context(dot_docker, "home-ctx", "unix:///run/home.sock", 0);
	write_file(join(config, sizeof(config), dot_docker, "config.json"),
		   "{\"currentContext\":\"home-ctx\"}");
	env.home = test_tmpdir();
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.unix_path, "/run/home.sock");
	CHECK_STR(ep.source, "context 'home-ctx'");
	ais_endpoint_dispose(&ep);

	/* DOCKER_CERT_PATH defaults to $HOME/.docker too */
	write_file(join(ca, sizeof(ca), dot_docker, "ca.pem"), "x");
	env.docker_host = "tcp://h";
	env.docker_tls_verify = "1";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	CHECK_STR(ep.ca_file, ca);
	ais_endpoint_dispose(&ep);

	/* DOCKER_CONFIG, when set, wins over HOME */
	env.docker_host = NULL;
	env.docker_config = "/nonexistent/aishell-docker-config";
	CHECK_INT(ais_endpoint_resolve(&ep, &env), 0);
	check_default(&ep);
	ais_endpoint_dispose(&ep);
}
