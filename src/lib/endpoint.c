#include "endpoint.h"

#include "buf.h"
#include "error.h"
#include "hash.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/var/run/docker.sock"
#define DEFAULT_TCP_NAME "localhost"
#define DEFAULT_HTTP_PORT 2375u
#define DEFAULT_TLS_PORT 2376u
#define UNIX_BASE_URL "http://localhost"

/* A host string taken apart: a unix socket path, a TCP name and port, or
 * an ssh destination. */
typedef struct {
	bool is_unix;
	bool is_ssh;
	char *path;     /* unix: the socket path; ssh: the remote one, or NULL */
	char *name;     /* tcp: host name or address, IPv6 in brackets;
			 * ssh: the host as ssh takes it (no brackets) */
	unsigned port;  /* tcp, ssh: 0 when not given */
	char *user;     /* ssh: the user, or NULL */
} host_parts;

static bool is_set(const char *s)
{
	return s && *s;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static int oom(void)
{
	return ais_error_set(AIS_ENOMEM, "out of memory");
}

static int dup_into(char **dst, const char *src)
{
	char *p = strdup(src);

	AIS_CHECK_ALLOC(p);
	free(*dst);
	*dst = p;
	return 0;
}

static int printf_into(char **dst, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int printf_into(char **dst, const char *fmt, ...)
{
	ais_buf buf = AIS_BUF_INIT;
	va_list ap;
	char *p;
	int error;

	va_start(ap, fmt);
	error = ais_buf_vprintf(&buf, fmt, ap);
	va_end(ap);
	if (error < 0)
		return error;
	p = ais_buf_detach(&buf);
	AIS_CHECK_ALLOC(p);
	free(*dst);
	*dst = p;
	return 0;
}

static void host_parts_dispose(host_parts *p)
{
	free(p->path);
	free(p->name);
	free(p->user);
	memset(p, 0, sizeof(*p));
}

/* --- files and JSON ---------------------------------------------------- */

static bool is_regular_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Parse the JSON file at `path` into *out.  AIS_ENOTFOUND if it does not
 * exist; AIS_EINVALID naming the file and line if it does not parse or is
 * not an object.  A file holding only white space leaves *out NULL when
 * `allow_empty` (the docker CLI accepts an empty config.json).
 */
static int read_json_object(cJSON **out, const char *path, bool allow_empty)
{
	ais_buf text = AIS_BUF_INIT;
	const char *end = NULL, *p;
	cJSON *root = NULL;
	unsigned line = 1;
	size_t i;
	int error;

	*out = NULL;
	if ((error = ais_buf_read_file(&text, path)) < 0)
		goto done;
	for (i = 0; i < text.size && is_space(text.ptr[i]); i++)
		;
	if (i == text.size && allow_empty)
		goto done;
	root = cJSON_ParseWithLengthOpts(ais_buf_cstr(&text), text.size, &end,
					 false);
	if (!root) {
		if (end && end >= text.ptr && end <= text.ptr + text.size)
			for (p = text.ptr; p < end; p++)
				line += *p == '\n';
		error = ais_error_set(AIS_EINVALID,
				      "cannot parse '%s': invalid JSON near line %u",
				      path, line);
		goto done;
	}
	if (!cJSON_IsObject(root)) {
		error = ais_error_set(AIS_EINVALID,
				      "cannot parse '%s': expected a JSON object",
				      path);
		goto done;
	}
	*out = root;
	root = NULL;
done:
	cJSON_Delete(root);
	ais_buf_dispose(&text);
	return error;
}

/* --- host strings ---------------------------------------------------- */

static int invalid_host(const char *given, const char *origin,
			const char *why)
{
	return ais_error_set(AIS_EINVALID,
			     "invalid Docker host '%s': %s (from %s)", given,
			     why, origin);
}

/* The TCP part after "tcp://": name[:port][/], IPv6 as [addr][:port][/]. */
static int parse_tcp(host_parts *p, const char *rest, const char *given,
		     const char *origin)
{
	const char *name = rest, *end, *c;
	unsigned long port = 0;

	if (*name == '[') {
		end = strchr(name, ']');
		if (!end || end == name + 1)
			return invalid_host(given, origin, "bad IPv6 address");
		for (c = name + 1; c < end; c++)
			if (!is_alnum(*c) && !strchr(":.%-_", *c))
				return invalid_host(given, origin,
						    "bad IPv6 address");
		end++;
	} else {
		end = name + strcspn(name, ":/");
		for (c = name; c < end; c++)
			if (!is_alnum(*c) && !strchr(".-_", *c))
				return invalid_host(given, origin,
						    "bad host name");
	}
	if (*end == ':') {
		for (c = end + 1; *c >= '0' && *c <= '9'; c++) {
			port = port * 10 + (unsigned long)(*c - '0');
			if (port > 65535)
				return invalid_host(given, origin, "bad port");
		}
		if ((*c && *c != '/') || (c > end + 1 && port == 0))
			return invalid_host(given, origin, "bad port");
		/* "host:" means the default port, as in the docker CLI */
	} else {
		c = end;
	}
	if (*c && *c != '/')
		return invalid_host(given, origin, "bad host name");
	if (*c == '/' && c[1])
		return invalid_host(given, origin,
				    "a path after host:port is not supported");

	p->port = (unsigned)port;
	/* "tcp://:2375" and "tcp://" mean localhost, as in the docker CLI */
	if (end == name)
		return dup_into(&p->name, DEFAULT_TCP_NAME);
	p->name = strndup(name, (size_t)(end - name));
	AIS_CHECK_ALLOC(p->name);
	return 0;
}

/* Characters the remote shell takes literally (ssh hands the remote
 * command to it as one string). */
static bool ssh_span_ok(const char *s, const char *end, const char *extra)
{
	for (; s < end; s++)
		if (!is_alnum(*s) && !strchr(extra, *s))
			return false;
	return true;
}

/*
 * The part after "ssh://": [user@]host[:port][/socket], as the CLI's
 * connhelper reads it (url.Parse): a password, a query or a fragment is
 * refused, "host:" means no port, and an IPv6 address goes in brackets.
 */
static int parse_ssh(host_parts *p, const char *rest, const char *given,
		     const char *origin)
{
	const char *auth_end = rest + strcspn(rest, "/?#"), *at = NULL;
	const char *host = rest, *host_end, *c;
	unsigned long port = 0;

	for (c = rest; c < auth_end; c++)
		if (*c == '@')
			at = c;
	if (strchr(auth_end, '?'))
		return invalid_host(given, origin,
				    "a query after the host is not supported");
	if (strchr(auth_end, '#'))
		return invalid_host(given, origin,
				    "a fragment after the host is not supported");
	if (at) {
		if (memchr(rest, ':', (size_t)(at - rest)))
			return invalid_host(given, origin,
					    "a password in the URL is not supported");
		if (!ssh_span_ok(rest, at, "._-+"))
			return invalid_host(given, origin, "bad user name");
		if (at > rest) {
			p->user = strndup(rest, (size_t)(at - rest));
			AIS_CHECK_ALLOC(p->user);
		}
		host = at + 1;
	}

	if (*host == '[') {
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (!host_end || host_end == host + 1 ||
		    !ssh_span_ok(host + 1, host_end, ":.%"))
			return invalid_host(given, origin, "bad IPv6 address");
		c = host_end + 1;
		host++;
	} else {
		host_end = host + strcspn(host, ":/?#");
		if (host_end > auth_end)
			host_end = auth_end;
		if (!ssh_span_ok(host, host_end, ".-_"))
			return invalid_host(given, origin, "bad host name");
		c = host_end;
	}
	if (host_end == host)
		return invalid_host(given, origin, "no host name");
	if (*host == '-')
		return invalid_host(given, origin, "bad host name");
	if (c < auth_end && *c == ':') {
		for (c++; c < auth_end && *c >= '0' && *c <= '9'; c++) {
			port = port * 10 + (unsigned long)(*c - '0');
			if (port > 65535)
				return invalid_host(given, origin, "bad port");
		}
		if (c < auth_end || (c[-1] != ':' && port == 0))
			return invalid_host(given, origin, "bad port");
	} else if (c < auth_end) {
		return invalid_host(given, origin, "bad host name");
	}

	/* a path names the remote socket; "/" alone is none */
	if (*auth_end == '/' && auth_end[1]) {
		if (!ssh_span_ok(auth_end, auth_end + strlen(auth_end), "/._-"))
			return invalid_host(given, origin, "bad socket path");
		p->path = strdup(auth_end);
		AIS_CHECK_ALLOC(p->path);
	}
	p->is_ssh = true;
	p->port = (unsigned)port;
	p->name = strndup(host, (size_t)(host_end - host));
	AIS_CHECK_ALLOC(p->name);
	return 0;
}

/*
 * Take a host string apart the way opts.ParseHost does: surrounding white
 * space is ignored, "unix://path" and "tcp://name[:port]" are understood,
 * and a string without "://" is a unix socket when it starts with "/" or
 * "./" and a TCP address otherwise.  `origin` names the source in messages.
 */
static int parse_host(host_parts *p, const char *given, const char *origin)
{
	const char *s = given, *sep, *rest;
	char *text = NULL, *scheme = NULL;
	size_t len;
	int error = 0;

	memset(p, 0, sizeof(*p));
	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len && is_space(s[len - 1]))
		len--;
	if (!(text = strndup(s, len))) {
		error = oom();
		goto done;
	}

	if ((sep = strstr(text, "://")) != NULL) {
		if (!(scheme = strndup(text, (size_t)(sep - text)))) {
			error = oom();
			goto done;
		}
		rest = sep + 3;
	} else {
		bool path = text[0] == '/' || strncmp(text, "./", 2) == 0;

		if ((error = dup_into(&scheme, path ? "unix" : "tcp")) < 0)
			goto done;
		rest = text;
	}

	if (strcmp(scheme, "unix") == 0) {
		p->is_unix = true;
		if (!*rest) {
			error = invalid_host(given, origin, "empty socket path");
			goto done;
		}
		if (strstr(rest, "://")) {
			error = invalid_host(given, origin, "bad socket path");
			goto done;
		}
		error = dup_into(&p->path, rest);
	} else if (strcmp(scheme, "tcp") == 0) {
		error = parse_tcp(p, rest, given, origin);
	} else if (strcmp(scheme, "ssh") == 0) {
		error = parse_ssh(p, rest, given, origin);
	} else {
		error = ais_error_set(AIS_EINVALID,
				      "unsupported Docker host '%s': aishell "
				      "speaks unix://, tcp:// and ssh:// only "
				      "(from %s)", given, origin);
	}
done:
	if (error < 0)
		host_parts_dispose(p);
	free(scheme);
	free(text);
	return error;
}

/* Fill host and the ssh_* members for an ssh destination. */
static int build_ssh_endpoint(ais_endpoint *ep, const host_parts *p)
{
	bool v6 = strchr(p->name, ':') != NULL;
	int error;

	ep->tls = false;
	if ((error = dup_into(&ep->ssh_host, p->name)) < 0 ||
	    (p->user && (error = dup_into(&ep->ssh_user, p->user)) < 0) ||
	    (p->port && (error = printf_into(&ep->ssh_port, "%u", p->port)) < 0) ||
	    (p->path && (error = dup_into(&ep->ssh_socket, p->path)) < 0))
		return error;
	if ((error = printf_into(&ep->host, "ssh://%s%s%s%s%s%s%s%s",
				 p->user ? p->user : "", p->user ? "@" : "",
				 v6 ? "[" : "", p->name, v6 ? "]" : "",
				 p->port ? ":" : "",
				 ep->ssh_port ? ep->ssh_port : "",
				 p->path ? p->path : "")) < 0)
		return error;
	/* ssh carries HTTP; the name in the URL is never resolved */
	return dup_into(&ep->base_url, UNIX_BASE_URL);
}

/* Fill host, unix_path, base_url and tls from parsed parts. */
static int build_endpoint(ais_endpoint *ep, const host_parts *p, bool tls)
{
	unsigned port;
	int error;

	if (p->is_ssh)
		return build_ssh_endpoint(ep, p);
	if (p->is_unix) {
		ep->tls = false;
		if ((error = printf_into(&ep->host, "unix://%s", p->path)) < 0 ||
		    (error = dup_into(&ep->unix_path, p->path)) < 0)
			return error;
		return dup_into(&ep->base_url, UNIX_BASE_URL);
	}
	port = p->port ? p->port : tls ? DEFAULT_TLS_PORT : DEFAULT_HTTP_PORT;
	ep->tls = tls;
	if ((error = printf_into(&ep->host, "tcp://%s:%u", p->name, port)) < 0)
		return error;
	return printf_into(&ep->base_url, "%s://%s:%u", tls ? "https" : "http",
			   p->name, port);
}

/* Set ca_file, cert_file and key_file for those of dir/{ca,cert,key}.pem
 * that exist; *found tells whether any did. */
static int find_tls_files(ais_endpoint *ep, const char *dir, bool *found)
{
	static const char *const names[] = { "ca.pem", "cert.pem", "key.pem" };
	char **slots[] = { &ep->ca_file, &ep->cert_file, &ep->key_file };
	ais_buf path = AIS_BUF_INIT;
	size_t i;
	int error = 0;

	*found = false;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ais_buf_clear(&path);
		if ((error = ais_buf_printf(&path, "%s/%s", dir, names[i])) < 0)
			goto done;
		if (!is_regular_file(path.ptr))
			continue;
		if ((error = dup_into(slots[i], path.ptr)) < 0)
			goto done;
		*found = true;
	}
done:
	ais_buf_dispose(&path);
	return error;
}

/* --- sources ------------------------------------------------------------ */

static int from_default(ais_endpoint *ep)
{
	host_parts p = { .is_unix = true, .path = (char *)DEFAULT_SOCKET };
	int error;

	if ((error = build_endpoint(ep, &p, false)) < 0)
		return error;
	return dup_into(&ep->source, "default");
}

static int from_docker_host(ais_endpoint *ep, const ais_endpoint_env *env,
			    const char *config_dir)
{
	const char *given = env->docker_host, *s, *cert_dir;
	bool want_tls = is_set(env->docker_tls_verify), found;
	host_parts p = { 0 };
	int error;

	/* A blank DOCKER_HOST is the default host, as in opts.ParseHost. */
	for (s = given; is_space(*s); s++)
		;
	if (!*s)
		given = want_tls ? "tcp://" DEFAULT_TCP_NAME ":2376" :
				   "unix://" DEFAULT_SOCKET;

	if ((error = parse_host(&p, given, "DOCKER_HOST")) < 0)
		goto done;
	if ((error = build_endpoint(ep, &p,
				    want_tls && !p.is_unix && !p.is_ssh)) < 0)
		goto done;
	if (ep->tls) {
		ep->tls_verify = true;
		cert_dir = is_set(env->docker_cert_path) ? env->docker_cert_path :
							   config_dir;
		if (cert_dir &&
		    (error = find_tls_files(ep, cert_dir, &found)) < 0)
			goto done;
	}
	error = dup_into(&ep->source, "DOCKER_HOST");
done:
	host_parts_dispose(&p);
	return error;
}

/* currentContext from config_dir/config.json, or NULL. */
static int read_current_context(char **out, const char *config_dir)
{
	ais_buf path = AIS_BUF_INIT;
	cJSON *root = NULL, *item;
	int error;

	*out = NULL;
	if ((error = ais_buf_printf(&path, "%s/config.json", config_dir)) < 0)
		goto done;
	if ((error = read_json_object(&root, path.ptr, true)) < 0) {
		if (error == AIS_ENOTFOUND)
			error = 0;
		goto done;
	}
	item = cJSON_GetObjectItemCaseSensitive(root, "currentContext");
	if (!item || cJSON_IsNull(item))
		goto done;
	if (!cJSON_IsString(item)) {
		error = ais_error_set(AIS_EINVALID,
				      "cannot parse '%s': currentContext is "
				      "not a string", path.ptr);
		goto done;
	}
	if (*item->valuestring)
		error = dup_into(out, item->valuestring);
done:
	cJSON_Delete(root);
	ais_buf_dispose(&path);
	return error;
}

static int from_context(ais_endpoint *ep, const char *name,
			const char *config_dir)
{
	char id[AIS_SHA256_HEX_LEN + 1];
	ais_buf path = AIS_BUF_INIT, origin = AIS_BUF_INIT;
	cJSON *root = NULL, *docker, *item;
	const char *host = "unix://" DEFAULT_SOCKET;
	bool skip_verify = false, found = false;
	host_parts p = { 0 };
	int error;

	if (!config_dir) {
		error = ais_error_set(AIS_EINVALID,
				      "context '%s' not found: neither "
				      "DOCKER_CONFIG nor HOME is set", name);
		goto done;
	}
	if ((error = ais_hash_sha256_hex(id, name, strlen(name))) < 0 ||
	    (error = ais_buf_printf(&origin, "context '%s'", name)) < 0 ||
	    (error = ais_buf_printf(&path, "%s/contexts/meta/%s/meta.json",
				    config_dir, id)) < 0)
		goto done;

	if ((error = read_json_object(&root, path.ptr, false)) < 0) {
		if (error == AIS_ENOTFOUND)
			error = ais_error_set(AIS_EINVALID,
					      "context '%s' not found: no '%s'",
					      name, path.ptr);
		goto done;
	}
	docker = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "Endpoints"), "docker");
	if (!cJSON_IsObject(docker)) {
		error = ais_error_set(AIS_EINVALID,
				      "context '%s' has no docker endpoint in '%s'",
				      name, path.ptr);
		goto done;
	}
	item = cJSON_GetObjectItemCaseSensitive(docker, "Host");
	if (item && !cJSON_IsNull(item) && !cJSON_IsString(item)) {
		error = ais_error_set(AIS_EINVALID,
				      "cannot parse '%s': Host is not a string",
				      path.ptr);
		goto done;
	}
	/* An empty Host leaves the client on its default, like the CLI. */
	if (cJSON_IsString(item) && *item->valuestring)
		host = item->valuestring;
	item = cJSON_GetObjectItemCaseSensitive(docker, "SkipTLSVerify");
	if (item && !cJSON_IsNull(item) && !cJSON_IsBool(item)) {
		error = ais_error_set(AIS_EINVALID,
				      "cannot parse '%s': SkipTLSVerify is not "
				      "a boolean", path.ptr);
		goto done;
	}
	skip_verify = cJSON_IsTrue(item);

	if ((error = parse_host(&p, host, origin.ptr)) < 0)
		goto done;
	/* TLS material is ignored for sockets, as in docker's ClientOpts, and
	 * for ssh, which has its own. */
	if (!p.is_unix && !p.is_ssh) {
		ais_buf_clear(&path);
		if ((error = ais_buf_printf(&path, "%s/contexts/tls/%s/docker",
					    config_dir, id)) < 0 ||
		    (error = find_tls_files(ep, path.ptr, &found)) < 0)
			goto done;
	}
	/* docker's Endpoint.tlsConfig: TLS with any TLS data or SkipTLSVerify */
	if ((error = build_endpoint(ep, &p, !p.is_unix && !p.is_ssh &&
						    (found || skip_verify))) < 0)
		goto done;
	ep->tls_verify = ep->tls && !skip_verify;
	ep->source = ais_buf_detach(&origin);
	if (!ep->source)
		error = oom();
done:
	host_parts_dispose(&p);
	cJSON_Delete(root);
	ais_buf_dispose(&origin);
	ais_buf_dispose(&path);
	return error;
}

int ais_endpoint_resolve(ais_endpoint *out, const ais_endpoint_env *env)
{
	static const ais_endpoint_env no_env;
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	ais_buf config_dir = AIS_BUF_INIT;
	const char *dir = NULL;
	char *context = NULL;
	int error;

	if (!env)
		env = &no_env;
	if (is_set(env->docker_config))
		error = ais_buf_puts(&config_dir, env->docker_config);
	else if (is_set(env->home))
		error = ais_buf_printf(&config_dir, "%s/.docker", env->home);
	else
		error = 0;
	if (error < 0)
		goto done;
	if (config_dir.size)
		dir = config_dir.ptr;

	if (is_set(env->docker_host)) {
		error = from_docker_host(&ep, env, dir);
		goto done;
	}
	if (is_set(env->docker_context))
		error = dup_into(&context, env->docker_context);
	else if (dir)
		error = read_current_context(&context, dir);
	if (error < 0)
		goto done;

	if (context && strcmp(context, "default") != 0)
		error = from_context(&ep, context, dir);
	else
		error = from_default(&ep);
done:
	if (error < 0)
		ais_endpoint_dispose(&ep);
	*out = ep;
	free(context);
	ais_buf_dispose(&config_dir);
	return error;
}

/* The endpoint's strings, for copying and freeing them all. */
#define EP_STRINGS 11
static void ep_strings(char **s[EP_STRINGS], ais_endpoint *ep)
{
	s[0] = &ep->host;
	s[1] = &ep->unix_path;
	s[2] = &ep->base_url;
	s[3] = &ep->ca_file;
	s[4] = &ep->cert_file;
	s[5] = &ep->key_file;
	s[6] = &ep->source;
	s[7] = &ep->ssh_host;
	s[8] = &ep->ssh_user;
	s[9] = &ep->ssh_port;
	s[10] = &ep->ssh_socket;
}

int ais_endpoint_copy(ais_endpoint *out, const ais_endpoint *src)
{
	char **s[EP_STRINGS];
	size_t i;

	*out = *src;
	ep_strings(s, out);
	for (i = 0; i < EP_STRINGS; i++) {
		if (*s[i] && !(*s[i] = strdup(*s[i]))) {
			/* The rest still point into `src`. */
			while (++i < EP_STRINGS)
				*s[i] = NULL;
			ais_endpoint_dispose(out);
			return ais_error_set(AIS_ENOMEM,
					     "out of memory");
		}
	}
	return 0;
}

void ais_endpoint_dispose(ais_endpoint *ep)
{
	char **s[EP_STRINGS];
	size_t i;

	if (!ep)
		return;
	ep_strings(s, ep);
	for (i = 0; i < EP_STRINGS; i++)
		free(*s[i]);
	memset(ep, 0, sizeof(*ep));
}
