/*
 * endpoint.h - find the Docker Engine endpoint the way the docker CLI does.
 *
 * Order: DOCKER_HOST (unix://, tcp:// or ssh://, TLS from DOCKER_TLS_VERIFY
 * and DOCKER_CERT_PATH); else the current context (DOCKER_CONTEXT, else
 * "currentContext" in $DOCKER_CONFIG/config.json, DOCKER_CONFIG defaulting
 * to $HOME/.docker) whose endpoint is read from
 * $DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json and whose TLS files
 * are $DOCKER_CONFIG/contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem;
 * else unix:///var/run/docker.sock.  The context named "default" is the
 * default socket.  Empty variables count as unset.
 *
 * Host strings follow opts.ParseHost: surrounding white space is ignored,
 * "tcp://name" gets port 2375 (2376 with TLS), "tcp://" or "tcp://:port"
 * means localhost, and a string without "://" is a unix socket when it
 * starts with "/" or "./" and a TCP address otherwise.  Unlike the CLI, a
 * path after tcp://name:port and an empty unix:// path are rejected.
 *
 * "ssh://[user@]host[:port][/socket]" follows the CLI's connhelper: the
 * engine is reached through `ssh [-l user] [-p port] -- host docker system
 * dial-stdio` (with `docker --host unix:///socket` for a path), so the
 * endpoint only records the parts; docker.c runs ssh.  A password, a query
 * or a fragment is rejected, and so is a character in the user, host or
 * path that would need quoting for the remote shell.
 *
 * TLS: with DOCKER_HOST, DOCKER_TLS_VERIFY set to anything non-empty turns
 * on TLS and verification, with the PEM files taken from DOCKER_CERT_PATH
 * (default $DOCKER_CONFIG).  For a context, TLS is on when any of its TLS
 * files exists or SkipTLSVerify is true (docker's Endpoint.tlsConfig), and
 * verification is on unless SkipTLSVerify.  TLS never applies to unix://
 * or ssh://.
 *
 * The library reads no environment itself: the caller fills the env.
 */
#ifndef AIS_ENDPOINT_H
#define AIS_ENDPOINT_H

#include <stdbool.h>

/* The environment the resolver reads; NULL members count as unset.
 * The CLI fills it from getenv(); tests fill it by hand. */
typedef struct {
	const char *docker_host;
	const char *docker_context;
	const char *docker_tls_verify;
	const char *docker_cert_path;
	const char *docker_config;
	const char *home;
} ais_endpoint_env;

typedef struct {
	char *host;       /* normalised: unix:///var/run/docker.sock, tcp://h:2376,
			   * ssh://user@h:22 */
	char *unix_path;  /* socket path for unix://, else NULL */
	char *base_url;   /* "http://localhost" for unix and ssh, http(s)://h:p
			   * for tcp */
	bool tls;         /* https */
	bool tls_verify;  /* verify the daemon's certificate (only when tls);
			   * against ca_file, or the system CAs without one */
	char *ca_file;    /* PEM files for TLS, NULL when absent or no tls */
	char *cert_file;
	char *key_file;
	char *source;     /* where it came from: "DOCKER_HOST", "context 'x'", "default" */
	char *ssh_host;   /* ssh://: the host name given to ssh, else NULL */
	char *ssh_user;   /* ssh://: the user (ssh -l), or NULL */
	char *ssh_port;   /* ssh://: the port (ssh -p), or NULL */
	char *ssh_socket; /* ssh://: the remote socket path, or NULL for the
			   * remote docker CLI's own default */
} ais_endpoint;

#define AIS_ENDPOINT_INIT { 0 }

/* Resolve the endpoint into *out, which is overwritten (zeroed on failure;
 * dispose it either way).  `env` may be NULL (everything unset).
 * AIS_EINVALID with a one-line message for an unsupported scheme (npipe://,
 * fd://, ...), a malformed host, a context that does not exist or
 * a config.json / meta.json that does not parse.  config.json is only read
 * when neither DOCKER_HOST nor DOCKER_CONTEXT is set; a missing one is fine. */
int ais_endpoint_resolve(ais_endpoint *out, const ais_endpoint_env *env);

/* Copy `src` into *out with strings of its own (dispose it); *out is zeroed
 * when memory runs out. */
int ais_endpoint_copy(ais_endpoint *out, const ais_endpoint *src);

/* Free the strings and zero *ep; safe on a zeroed struct and repeatable. */
void ais_endpoint_dispose(ais_endpoint *ep);

#endif
