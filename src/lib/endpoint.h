/*
 * endpoint.h - find the Docker Engine endpoint the way the docker CLI does.
 *
 * Order: DOCKER_HOST (unix:// or tcp://, TLS from DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH); else the current context (DOCKER_CONTEXT, else
 * "currentContext" in $DOCKER_CONFIG/config.json, DOCKER_CONFIG defaulting
 * to $HOME/.docker) whose endpoint is read from
 * $DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json; else
 * unix:///var/run/docker.sock.  The context named "default" is the default
 * socket (or DOCKER_HOST).
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
	char *host;       /* the endpoint as given, e.g. unix:///var/run/docker.sock */
	char *unix_path;  /* socket path for unix://, else NULL */
	char *base_url;   /* "http://localhost" for unix, http(s)://h:p for tcp */
	bool tls;         /* https */
	bool tls_verify;  /* verify the daemon's certificate against ca_file */
	char *ca_file;    /* PEM files for TLS, NULL when absent */
	char *cert_file;
	char *key_file;
	char *source;     /* where it came from: "DOCKER_HOST", "context 'x'", "default" */
} ais_endpoint;

#define AIS_ENDPOINT_INIT { 0 }

/* Resolve the endpoint.  AIS_EINVALID with a one-line message for an
 * unsupported scheme (ssh://, npipe://, fd://), a malformed host, a context
 * that does not exist or a config.json / meta.json that does not parse. */
int ais_endpoint_resolve(ais_endpoint *out, const ais_endpoint_env *env);

void ais_endpoint_dispose(ais_endpoint *ep);

#endif
