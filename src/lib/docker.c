#include "docker.h"

#include "buildkit.h"
#include "error.h"
#include "lazy.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DOCKER_SENT_EVERY (256 * 1024ULL)

#define SSH_ARGS_MAX 16
#define SSH_STDERR_MAX 2048     /* the end of ssh's stderr that is kept */
#define SSH_STDERR_SHOWN 600    /* at most this much of it in a message */
#define SSH_EXIT_GRACE_MS 2000  /* a closed ssh may take this long to end */

extern char **environ;

struct ais_docker {
	CURL *curl;
	ais_endpoint ep;      /* our copy; for ssh://, unix_path is the local
			       * socket curl connects to */
	char version[16];
	ais_docker_timeouts timeouts;
	int builder_version;  /* the engine's Builder-Version header, 0 if none */
	bool libpod;          /* podman's Docker-compatible API */
	const volatile sig_atomic_t *cancel;
	char errbuf[CURL_ERROR_SIZE];
	int connected;        /* 0 not tried, 1 connected, < 0 its error */
	char *connect_error;  /* the message of that error */

	/* ssh://: the connection is the stdin and stdout of `ssh ... docker
	 * system dial-stdio`, one ssh for each connection curl opens (curl
	 * keeps one alive for the whole run). */
	char *ssh_argv[SSH_ARGS_MAX]; /* empty unless ssh:// */
	pid_t ssh_pid;                /* the running ssh, 0 if none */
	int ssh_sock;                 /* curl's socket to it, or -1 */
	int ssh_listen;               /* where curl connects to, or -1 */
	char *ssh_dir;                /* the private directory it is in */
	bool ssh_pending;             /* curl opened a connection not yet
				       * handed to an ssh */
	int ssh_errfd;                /* its stderr, or -1 */
	int ssh_status;               /* wait status of the last ssh, -1 if none */
	bool ssh_stopped;             /* we ended it: its status says nothing */
	int ssh_spawn_errno;          /* why the last ssh did not start, or 0 */
	ais_buf ssh_stderr;           /* the end of the last ssh's stderr */
};

struct ais_image {
	cJSON *root;
	const char *id;
	const cJSON *labels;
};

/* Process-wide: the thread that reports a failure may not be the one
 * whose request failed (see docker.h). */
static ais_docker_timeout last_timeout;

static void set_last_timeout(ais_docker_timeout t)
{
	__atomic_store_n(&last_timeout, t, __ATOMIC_RELAXED);
}

ais_docker_timeout ais_docker_last_timeout(void)
{
	return __atomic_load_n(&last_timeout, __ATOMIC_RELAXED);
}

/* Version strings "1.41" compare as major.minor numbers. */
static int version_cmp(const char *a, const char *b)
{
	long amaj = strtol(a, NULL, 10), bmaj = strtol(b, NULL, 10);
	const char *ad = strchr(a, '.'), *bd = strchr(b, '.');
	long amin = ad ? strtol(ad + 1, NULL, 10) : 0;
	long bmin = bd ? strtol(bd + 1, NULL, 10) : 0;

	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	if (amin != bmin)
		return amin < bmin ? -1 : 1;
	return 0;
}

static int docker_cancelled(const ais_docker *d)
{
	return d->cancel && *d->cancel;
}

static int xferinfo_cb(void *p, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return docker_cancelled(p) ? 1 : 0;
}

/* ---- ssh:// transport ------------------------------------------------ */

/* Build the ssh command line the docker CLI's connhelper runs. */
static int ssh_args(ais_docker *d, const ais_endpoint *ep)
{
	ais_buf opt = AIS_BUF_INIT;
	char **a = d->ssh_argv;
	size_t n = 0;

#define SSH_ARG(s)                                                          \
	do {                                                                \
		if (!(a[n++] = strdup(s)))                                  \
			goto oom;                                           \
	} while (0)

	SSH_ARG("ssh");
	if (d->timeouts.connect > 0) {
		if (ais_buf_printf(&opt, "ConnectTimeout=%ld", d->timeouts.connect) < 0)
			goto oom;
		SSH_ARG("-o");
		SSH_ARG(ais_buf_cstr(&opt));
	}
	SSH_ARG("-T");
	if (ep->ssh_user) {
		SSH_ARG("-l");
		SSH_ARG(ep->ssh_user);
	}
	if (ep->ssh_port) {
		SSH_ARG("-p");
		SSH_ARG(ep->ssh_port);
	}
	SSH_ARG("--");
	SSH_ARG(ep->ssh_host);
	SSH_ARG("docker");
	if (ep->ssh_socket) {
		ais_buf_clear(&opt);
		if (ais_buf_printf(&opt, "--host=unix://%s", ep->ssh_socket) < 0)
			goto oom;
		SSH_ARG(ais_buf_cstr(&opt));
	}
	SSH_ARG("system");
	SSH_ARG("dial-stdio");
#undef SSH_ARG
	ais_buf_dispose(&opt);
	return 0;
oom:
	ais_buf_dispose(&opt);
	return ais_error_set(AIS_ENOMEM, "out of memory");
}

/* Keep what ssh wrote on stderr (its last SSH_STDERR_MAX bytes); true at
 * its end. */
static bool ssh_drain(ais_docker *d)
{
	char chunk[512];
	ssize_t n;

	if (d->ssh_errfd < 0)
		return true;
	for (;;) {
		n = read(d->ssh_errfd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0;
		ais_buf_put(&d->ssh_stderr, chunk, (size_t)n);
		if (d->ssh_stderr.size > SSH_STDERR_MAX)
			ais_buf_consume(&d->ssh_stderr,
					d->ssh_stderr.size - SSH_STDERR_MAX);
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait up to `ms` for ssh to end, collecting its stderr; true if it did
 * (and was reaped). */
static bool ssh_wait(ais_docker *d, long ms)
{
	long deadline = now_ms() + ms, left;
	bool eof = false;
	int status;

	while (d->ssh_pid > 0) {
		eof = ssh_drain(d) || eof;
		if (waitpid(d->ssh_pid, &status, WNOHANG) == d->ssh_pid) {
			d->ssh_status = status;
			d->ssh_pid = 0;
			ssh_drain(d);
			break;
		}
		if ((left = deadline - now_ms()) <= 0)
			return false;
		if (left > 20)
			left = 20;
		if (eof) {
			struct timespec ts = { 0, left * 1000000L };

			nanosleep(&ts, NULL);
		} else {
			struct pollfd pfd = { d->ssh_errfd, POLLIN, 0 };

			poll(&pfd, 1, (int)left);
		}
	}
	return true;
}

/* End the ssh whose connection curl closed: it normally ends by itself
 * once its stdin is closed; TERM it if it does not. */
static void ssh_reap(ais_docker *d)
{
	int status;

	if (d->ssh_pid > 0 && !ssh_wait(d, SSH_EXIT_GRACE_MS)) {
		kill(d->ssh_pid, SIGTERM);
		if (!ssh_wait(d, SSH_EXIT_GRACE_MS)) {
			kill(d->ssh_pid, SIGKILL);
			while (waitpid(d->ssh_pid, &status, 0) < 0 &&
			       errno == EINTR)
				;
			d->ssh_pid = 0;
		}
		d->ssh_stopped = true;
	}
	if (d->ssh_errfd >= 0)
		close(d->ssh_errfd);
	d->ssh_errfd = -1;
}

/* Start ssh with `conn` as its stdin and stdout, in its own session (no
 * terminal: the user's SIGINT reaches aishell, which closes the
 * connection).  0, or -1 with ssh_spawn_errno set. */
static int ssh_spawn(ais_docker *d, int conn)
{
	int ep[2] = { -1, -1 }, child = -1, errw = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	pid_t pid;
	int rc;

	ais_buf_clear(&d->ssh_stderr);
	d->ssh_status = -1;
	d->ssh_stopped = false;
	d->ssh_spawn_errno = 0;
	/* the child's copies above 2, so that dup2 onto 0-2 never meets itself */
	if (pipe2(ep, O_CLOEXEC) < 0 ||
	    (child = fcntl(conn, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (errw = fcntl(ep[1], F_DUPFD_CLOEXEC, 3)) < 0) {
		rc = errno;
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, child, 0);
	posix_spawn_file_actions_adddup2(&fa, child, 1);
	posix_spawn_file_actions_adddup2(&fa, errw, 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE); /* aishell ignores it */
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID |
					 POSIX_SPAWN_SETSIGMASK |
					 POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, "ssh", &fa, &attr, d->ssh_argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == 0) {
		fcntl(ep[0], F_SETFL, O_NONBLOCK);
		d->ssh_pid = pid;
		d->ssh_errfd = ep[0];
		ep[0] = -1;
	}
done:
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	if (child >= 0)
		close(child);
	if (errw >= 0)
		close(errw);
	d->ssh_spawn_errno = rc;
	return rc ? -1 : 0;
}

/*
 * The connection curl holds is a unix socket whose far end is ssh's stdin
 * and stdout.  libcurl 7.88 (Debian 12) calls connect() on a socket even
 * when CURLOPT_SOCKOPTFUNCTION answers CURL_SOCKOPT_ALREADY_CONNECTED
 * (fixed in 8.0.0), so a socketpair cannot be handed to it.  Instead curl
 * connects, as to any unix:// engine, to a socket this process listens on
 * in a private directory, and ssh_prereq_cb() accepts that connection
 * (checking that it is our own) and starts ssh on it.
 */
static int ssh_listen(ais_docker *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/aishell-ssh.XXXXXX";
	int fd = -1;

	if (!mkdtemp(dir))
		return ais_error_set_os(AIS_ERROR, errno,
					"cannot create a directory for the ssh connection");
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/s", dir);
	if (!(d->ssh_dir = strdup(dir)) ||
	    !(d->ep.unix_path = strdup(addr.sun_path))) {
		rmdir(dir);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 4) < 0) {
		int error = errno;

		if (fd >= 0)
			close(fd);
		return ais_error_set_os(AIS_ERROR, error,
					"cannot listen on '%s'", addr.sun_path);
	}
	d->ssh_listen = fd;
	return 0;
}

/* curl opens a new connection: ssh_prereq_cb() will start an ssh for it. */
static curl_socket_t ssh_opensocket_cb(void *p, curlsocktype purpose,
				       struct curl_sockaddr *address)
{
	ais_docker *d = p;
	int fd;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	/* curl closes a connection before it opens the next; an ssh still
	 * here belongs to a socket curl let go of */
	if (d->ssh_pid > 0) {
		d->ssh_sock = -1;
		ssh_reap(d);
	}
	d->ssh_spawn_errno = 0;
	fd = socket(address->family, address->socktype | SOCK_CLOEXEC,
		    address->protocol);
	if (fd < 0) {
		d->ssh_spawn_errno = errno;
		return CURL_SOCKET_BAD;
	}
	d->ssh_sock = fd;
	d->ssh_pending = true;
	return fd;
}

/* Connected or reused: for a new connection, accept its far end and start
 * ssh on it. */
static int ssh_prereq_cb(void *p, char *primary_ip, char *local_ip,
			 int primary_port, int local_port)
{
	ais_docker *d = p;
	struct ucred cred;
	socklen_t len;
	int conn = -1, error = 0;

	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	if (!d->ssh_pending)
		return CURL_PREREQFUNC_OK;
	d->ssh_pending = false;
	for (;;) {
		struct pollfd pfd = { d->ssh_listen, POLLIN, 0 };

		conn = accept4(d->ssh_listen, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (poll(&pfd, 1, 5000) > 0)
				continue;
			error = ETIMEDOUT;
			break;
		}
		if (conn < 0) {
			error = errno;
			break;
		}
		len = sizeof(cred);
		/* only this process's own connection goes through */
		if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
		    cred.pid == getpid())
			break;
		close(conn);
	}
	if (conn < 0) {
		d->ssh_spawn_errno = error;
		return CURL_PREREQFUNC_ABORT;
	}
	error = ssh_spawn(d, conn);
	close(conn);
	return error < 0 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

static int ssh_closesocket_cb(void *p, curl_socket_t fd)
{
	ais_docker *d = p;

	close(fd);
	if (fd == d->ssh_sock) {
		d->ssh_sock = -1;
		d->ssh_pending = false;
		ssh_reap(d);
	}
	return 0;
}

/* Why the ssh connection failed, from ssh itself: appended to `out` when
 * ssh could not start or ended badly (not by us); false otherwise. */
static bool ssh_failure(ais_buf *out, ais_docker *d)
{
	const char *p, *end;
	bool sep = false;
	size_t start;

	if (d->ssh_spawn_errno) {
		ais_buf_printf(out, "cannot run ssh: %s",
			       strerror(d->ssh_spawn_errno));
		return true;
	}
	if (d->ssh_pid > 0)
		ssh_wait(d, 0);
	if (d->ssh_status == -1 || d->ssh_stopped ||
	    (WIFEXITED(d->ssh_status) && WEXITSTATUS(d->ssh_status) == 0))
		return false;
	if (WIFSIGNALED(d->ssh_status))
		ais_buf_printf(out, "ssh was killed by signal %d",
			       WTERMSIG(d->ssh_status));
	else
		ais_buf_printf(out, "ssh exited with status %d",
			       WEXITSTATUS(d->ssh_status));
	/* its stderr as one line: the last SSH_STDERR_SHOWN bytes */
	p = ais_buf_cstr(&d->ssh_stderr);
	end = p + d->ssh_stderr.size;
	if (end - p > SSH_STDERR_SHOWN)
		p = end - SSH_STDERR_SHOWN;
	start = out->size;
	ais_buf_puts(out, ": ");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			if (sep)
				ais_buf_puts(out, "; ");
			ais_buf_put(out, p, (size_t)(e - p));
			sep = true;
		}
		p = nl ? nl + 1 : end;
	}
	if (!sep) {
		out->size = start;
		out->ptr[start] = '\0';
	}
	if (WIFEXITED(d->ssh_status) && WEXITSTATUS(d->ssh_status) == 127)
		ais_buf_puts(out, " (is the docker CLI on the remote PATH?)");
	return true;
}

static void ssh_close(ais_docker *d)
{
	size_t i;

	if (d->ssh_sock >= 0)
		close(d->ssh_sock);
	if (d->ssh_listen >= 0)
		close(d->ssh_listen);
	d->ssh_sock = d->ssh_listen = -1;
	ssh_reap(d);
	if (d->ssh_dir) {
		if (d->ep.unix_path)
			unlink(d->ep.unix_path);
		rmdir(d->ssh_dir);
		free(d->ssh_dir);
		d->ssh_dir = NULL;
	}
	for (i = 0; i < SSH_ARGS_MAX; i++)
		free(d->ssh_argv[i]);
	ais_buf_dispose(&d->ssh_stderr);
}

/* Reset the handle (keeping its connection) and apply the endpoint.  A
 * request that moves no data for `idle` seconds is abandoned. */
static void docker_prepare(ais_docker *d, const char *url, long idle)
{
	curl_easy_reset(d->curl);
	curl_easy_setopt(d->curl, CURLOPT_URL, url);
	curl_easy_setopt(d->curl, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(d->curl, CURLOPT_NOSIGNAL, 1L);
	/* libcurl reads 0 as its own 300 s default; 0 here means no limit. */
	curl_easy_setopt(d->curl, CURLOPT_CONNECTTIMEOUT,
			 d->timeouts.connect > 0 ? d->timeouts.connect : 86400L * 365);
	if (idle > 0) {
		curl_easy_setopt(d->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(d->curl, CURLOPT_LOW_SPEED_TIME, idle);
	}
	curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(d->curl, CURLOPT_XFERINFODATA, d);
	set_last_timeout(AIS_DOCKER_TIMEOUT_NONE);
	if (d->ep.unix_path)
		curl_easy_setopt(d->curl, CURLOPT_UNIX_SOCKET_PATH, d->ep.unix_path);
	if (d->ssh_argv[0]) {
		/* unix_path is our listening socket: ssh is the connection */
		curl_easy_setopt(d->curl, CURLOPT_OPENSOCKETFUNCTION, ssh_opensocket_cb);
		curl_easy_setopt(d->curl, CURLOPT_OPENSOCKETDATA, d);
		curl_easy_setopt(d->curl, CURLOPT_PREREQFUNCTION, ssh_prereq_cb);
		curl_easy_setopt(d->curl, CURLOPT_PREREQDATA, d);
		curl_easy_setopt(d->curl, CURLOPT_CLOSESOCKETFUNCTION, ssh_closesocket_cb);
		curl_easy_setopt(d->curl, CURLOPT_CLOSESOCKETDATA, d);
	}
	if (d->ep.tls) {
		curl_easy_setopt(d->curl, CURLOPT_SSL_VERIFYPEER,
				 d->ep.tls_verify ? 1L : 0L);
		curl_easy_setopt(d->curl, CURLOPT_SSL_VERIFYHOST,
				 d->ep.tls_verify ? 2L : 0L);
		if (d->ep.ca_file)
			curl_easy_setopt(d->curl, CURLOPT_CAINFO, d->ep.ca_file);
		if (d->ep.cert_file)
			curl_easy_setopt(d->curl, CURLOPT_SSLCERT, d->ep.cert_file);
		if (d->ep.key_file)
			curl_easy_setopt(d->curl, CURLOPT_SSLKEY, d->ep.key_file);
	}
	d->errbuf[0] = '\0';
}

/* Translate a transport failure into one line naming the endpoint.  With
 * `first`, any failure means the engine is not usable (AIS_EUNAVAILABLE). */
static int docker_transport_error(ais_docker *d, CURLcode rc, bool first)
{
	long oserr = 0;
	const char *why;

	if (rc == CURLE_ABORTED_BY_CALLBACK && docker_cancelled(d))
		return ais_error_set(AIS_EINTERRUPTED,
				     "interrupted");
	if (rc == CURLE_OPERATION_TIMEDOUT)
		set_last_timeout(AIS_DOCKER_TIMEOUT_REQUEST);
	if (d->ssh_argv[0]) {
		ais_buf ssh = AIS_BUF_INIT;
		int error = 0;

		if (ssh_failure(&ssh, d))
			error = ais_error_set(AIS_EUNAVAILABLE,
					      "cannot reach the Docker engine at %s (%s): %s",
					      d->ep.host, d->ep.source, ais_buf_cstr(&ssh));
		ais_buf_dispose(&ssh);
		if (error)
			return error;
	}
	curl_easy_getinfo(d->curl, CURLINFO_OS_ERRNO, &oserr);
	if (rc == CURLE_COULDNT_CONNECT && oserr)
		why = strerror((int)oserr);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		why = "no answer in time";
	else if (d->errbuf[0])
		why = d->errbuf;
	else
		why = curl_easy_strerror(rc);
	if (first && (rc == CURLE_WEIRD_SERVER_REPLY || rc == CURLE_UNSUPPORTED_PROTOCOL ||
		      rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR))
		return ais_error_set(AIS_EUNAVAILABLE,
				     "%s (%s) does not answer like a Docker engine: %s",
				     d->ep.host, d->ep.source, why);
	if (first || rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SSL_CONNECT_ERROR ||
	    rc == CURLE_PEER_FAILED_VERIFICATION)
		return ais_error_set(AIS_EUNAVAILABLE,
				     "cannot reach the Docker engine at %s (%s): %s",
				     d->ep.host, d->ep.source, why);
	return ais_error_set(AIS_ERROR,
			     "request to the Docker engine at %s failed: %s",
			     d->ep.host, why);
}

/* Run the request docker_prepare() set up; *status gets the HTTP status.
 * A transport failure is one line naming the endpoint (`first`: see
 * docker_transport_error()). */
static int docker_perform(ais_docker *d, bool first, long *status)
{
	CURLcode rc = curl_easy_perform(d->curl);

	if (rc != CURLE_OK)
		return docker_transport_error(d, rc, first);
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

static size_t body_cb(char *data, size_t size, size_t n, void *p)
{
	ais_buf *body = p;

	if (ais_buf_put(body, data, size * n) < 0)
		return 0;
	return size * n;
}

/* The value of header `key` (lowercase, with the colon) in a raw header
 * line, copied into out; false when the line is another header. */
static bool header_value(char *out, size_t outlen, const char *line,
			 size_t len, const char *key)
{
	size_t klen = strlen(key), i = 0;
	const char *v;

	if (len <= klen || strncasecmp(line, key, klen) != 0)
		return false;
	v = line + klen;
	len -= klen;
	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (i < len && i < outlen - 1 && v[i] != '\r' && v[i] != '\n')
		i++;
	memcpy(out, v, i);
	out[i] = '\0';
	return true;
}

static size_t ping_header_cb(char *data, size_t size, size_t n, void *p)
{
	ais_docker *d = p;
	size_t len = size * n;
	char value[32];

	header_value(d->version, sizeof(d->version), data, len, "api-version:");
	if (header_value(value, sizeof(value), data, len, "builder-version:"))
		d->builder_version = (int)strtol(value, NULL, 10);
	if (header_value(value, sizeof(value), data, len, "libpod-api-version:"))
		d->libpod = true;
	return len;
}

const char *ais_docker_error_message(ais_buf *scratch, const ais_buf *body)
{
	cJSON *root = cJSON_ParseWithLength(ais_buf_cstr(body), body->size);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");

	ais_buf_clear(scratch);
	if (cJSON_IsString(m))
		ais_buf_puts(scratch, m->valuestring);
	else
		ais_buf_put(scratch, ais_buf_cstr(body),
			    body->size > 200 ? 200 : body->size);
	cJSON_Delete(root);
	while (scratch->size && (scratch->ptr[scratch->size - 1] == '\n' ||
				 scratch->ptr[scratch->size - 1] == '\r'))
		scratch->ptr[--scratch->size] = '\0';
	return ais_buf_cstr(scratch);
}

static int docker_ping(ais_docker *d)
{
	ais_buf url = AIS_BUF_INIT, body = AIS_BUF_INIT;
	long status = 0;
	int error = 0;

	if ((error = ais_buf_printf(&url, "%s/_ping", d->ep.base_url)) < 0)
		goto done;
	docker_prepare(d, url.ptr, d->timeouts.idle);
	curl_easy_setopt(d->curl, CURLOPT_HEADERFUNCTION, ping_header_cb);
	curl_easy_setopt(d->curl, CURLOPT_HEADERDATA, d);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &body);
	if ((error = docker_perform(d, true, &status)) < 0)
		goto done;
	if (status != 200) {
		error = ais_error_set(AIS_EUNAVAILABLE,
				      "%s (%s) does not answer like a Docker engine: HTTP %ld on /_ping",
				      d->ep.host, d->ep.source, status);
		goto done;
	}
	if (!d->version[0] || version_cmp(d->version, AIS_DOCKER_API_MAX) > 0)
		snprintf(d->version, sizeof(d->version), "%s", AIS_DOCKER_API_MAX);
	if (version_cmp(d->version, AIS_DOCKER_API_MIN) < 0)
		error = ais_error_set(AIS_EUNAVAILABLE,
				      "the Docker engine at %s speaks API %s; aishell needs %s or later",
				      d->ep.host, d->version, AIS_DOCKER_API_MIN);
done:
	ais_buf_dispose(&url);
	ais_buf_dispose(&body);
	return error;
}

int ais_docker_open(ais_docker **out, const ais_endpoint *ep)
{
	return ais_docker_open_with(out, ep, NULL);
}

int ais_docker_new(ais_docker **out, const ais_endpoint *ep,
		   const ais_docker_timeouts *timeouts)
{
	ais_docker_timeouts defaults = AIS_DOCKER_TIMEOUTS_INIT;
	ais_docker *d;
	int error;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	AIS_CHECK_ALLOC(d);
	d->timeouts = timeouts ? *timeouts : defaults;
	d->ssh_sock = d->ssh_listen = d->ssh_errfd = d->ssh_status = -1;
	if (ais_endpoint_copy(&d->ep, ep) < 0 ||
	    (!d->ep.source && !(d->ep.source = strdup("default"))) ||
	    !d->ep.host || !d->ep.base_url) {
		ais_docker_free(d);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	if (ep->ssh_host &&
	    ((error = ssh_args(d, ep)) < 0 || (error = ssh_listen(d)) < 0)) {
		ais_docker_free(d);
		return error;
	}
	*out = d;
	return 0;
}

int ais_docker_connect(ais_docker *d)
{
	int error;

	if (d->connected > 0)
		return 0;
	if (d->connected < 0)
		return ais_error_set(d->connected, "%s",
				     d->connect_error ? d->connect_error : "out of memory");
	if ((error = ais_curl_ready()) == 0 && !(d->curl = curl_easy_init()))
		error = ais_error_set(AIS_ENOMEM, "out of memory");
	if (error == 0)
		error = docker_ping(d);
	if (error < 0) {
		d->connected = error;
		d->connect_error = strdup(ais_error_last()->message);
		return error;
	}
	d->connected = 1;
	return 0;
}

int ais_docker_open_with(ais_docker **out, const ais_endpoint *ep,
			 const ais_docker_timeouts *timeouts)
{
	ais_docker *d;
	int error;

	if ((error = ais_docker_new(&d, ep, timeouts)) < 0)
		return error;
	if ((error = ais_docker_connect(d)) < 0) {
		ais_docker_free(d);
		return error;
	}
	*out = d;
	return 0;
}

void ais_docker_free(ais_docker *d)
{
	if (!d)
		return;
	if (d->curl)
		curl_easy_cleanup(d->curl); /* closes the connection: ends ssh */
	ssh_close(d);
	ais_endpoint_dispose(&d->ep);
	free(d->connect_error);
	free(d);
}

const char *ais_docker_api_version(const ais_docker *d)
{
	return d->version;
}

bool ais_docker_is_podman(const ais_docker *d)
{
	return d->libpod;
}

bool ais_docker_buildkit_supported(const ais_docker *d)
{
	if (d->builder_version)
		return d->builder_version >= 2;
	/* BuildKit is in the engine since 18.09 (API 1.39); podman's API
	 * builds with buildah whatever is asked. */
	return !d->libpod && version_cmp(d->version, "1.39") >= 0;
}

const char *ais_docker_host(const ais_docker *d)
{
	return d->ep.host;
}

void ais_docker_set_cancel(ais_docker *d, const volatile sig_atomic_t *flag)
{
	d->cancel = flag;
}

int ais_docker_urlencode(ais_buf *out, ais_docker *d, const char *s)
{
	char *e;
	int error;

	if ((error = ais_docker_connect(d)) < 0)
		return error;
	e = curl_easy_escape(d->curl, s, 0);
	AIS_CHECK_ALLOC(e);
	error = ais_buf_puts(out, e);
	curl_free(e);
	return error;
}

int ais_docker_request(long *status, ais_buf *body, ais_docker *d,
		       const char *method, const char *path,
		       const char *json_body)
{
	ais_buf url = AIS_BUF_INIT;
	struct curl_slist *headers = NULL;
	int error = 0;

	*status = 0;
	ais_buf_clear(body);
	if ((error = ais_docker_connect(d)) < 0 ||
	    (error = ais_buf_printf(&url, "%s/v%s%s", d->ep.base_url, d->version,
				    path)) < 0)
		goto done;
	docker_prepare(d, url.ptr, d->timeouts.idle);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, body);
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(d->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS,
				 json_body ? json_body : "");
		if (json_body) {
			headers = curl_slist_append(NULL,
						    "Content-Type: application/json");
			if (!headers) {
				error = ais_error_set(AIS_ENOMEM,
						      "out of memory");
				goto done;
			}
			curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, headers);
		}
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	error = docker_perform(d, false, status);
done:
	curl_slist_free_all(headers);
	ais_buf_dispose(&url);
	return error;
}

int ais_docker_image_inspect(ais_image **out, ais_docker *d, const char *ref)
{
	ais_buf path = AIS_BUF_INIT, body = AIS_BUF_INIT, msg = AIS_BUF_INIT;
	ais_image *img = NULL;
	long status;
	int error;

	*out = NULL;
	if ((error = ais_buf_puts(&path, "/images/")) < 0 ||
	    (error = ais_docker_urlencode(&path, d, ref)) < 0 ||
	    (error = ais_buf_puts(&path, "/json")) < 0 ||
	    (error = ais_docker_request(&status, &body, d, "GET", path.ptr,
					NULL)) < 0)
		goto done;
	if (status == 404) {
		error = ais_error_set(AIS_ENOTFOUND,
				      "no such image '%s'", ref);
		goto done;
	}
	if (status != 200) {
		error = ais_error_set(AIS_ERROR,
				      "inspecting '%s' failed: HTTP %ld: %s", ref,
				      status, ais_docker_error_message(&msg, &body));
		goto done;
	}
	if ((error = ais_image_from_json(&img, ais_buf_cstr(&body), body.size)) < 0) {
		if (error != AIS_EINVALID) /* an invalid id says so already */
			error = ais_error_set(AIS_ERROR,
					      "the engine's description of '%s' is not valid image JSON",
					      ref);
		goto done;
	}
	*out = img;
	img = NULL;
done:
	ais_image_free(img);
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
	ais_buf_dispose(&msg);
	return error;
}

bool ais_docker_id_valid(const char *id)
{
	return id && !strncmp(id, "sha256:", 7) &&
	       strspn(id + 7, "0123456789abcdef") == 64 && id[71] == '\0';
}

int ais_image_from_json(ais_image **out, const char *json, size_t len)
{
	ais_image *img;
	const cJSON *id, *config;

	*out = NULL;
	img = calloc(1, sizeof(*img));
	AIS_CHECK_ALLOC(img);
	img->root = cJSON_ParseWithLength(json, len);
	id = cJSON_GetObjectItemCaseSensitive(img->root, "Id");
	if (!img->root || !cJSON_IsString(id)) {
		ais_image_free(img);
		return ais_error_set(AIS_ERROR, "not image JSON");
	}
	if (!ais_docker_id_valid(id->valuestring)) {
		ais_image_free(img);
		return ais_error_set(AIS_EINVALID,
				     "the engine gave an image an invalid id (not sha256: and 64 hex digits)");
	}
	img->id = id->valuestring;
	config = cJSON_GetObjectItemCaseSensitive(img->root, "Config");
	img->labels = cJSON_GetObjectItemCaseSensitive(config, "Labels");
	*out = img;
	return 0;
}

const char *ais_image_id(const ais_image *img)
{
	return img->id;
}

const char *ais_image_label(const ais_image *img, const char *key)
{
	const cJSON *v;

	if (!cJSON_IsObject(img->labels))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(img->labels, key);
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return NULL;
	return v->valuestring;
}

int ais_image_tag_count(const ais_image *img)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(img->root, "RepoTags");

	return cJSON_IsArray(tags) ? cJSON_GetArraySize(tags) : 0;
}

const cJSON *ais_image_json(const ais_image *img)
{
	return img->root;
}

const char *ais_docker_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void ais_image_free(ais_image *img)
{
	if (!img)
		return;
	cJSON_Delete(img->root);
	free(img);
}

int ais_docker_image_tag(ais_docker *d, const char *src, const char *repo,
			 const char *tag)
{
	ais_buf path = AIS_BUF_INIT, body = AIS_BUF_INIT, msg = AIS_BUF_INIT;
	long status;
	int error;

	if ((error = ais_buf_printf(&path, "/images/%s/tag?repo=", src)) < 0 ||
	    (error = ais_docker_urlencode(&path, d, repo)) < 0 ||
	    (error = ais_buf_puts(&path, "&tag=")) < 0 ||
	    (error = ais_docker_urlencode(&path, d, tag)) < 0 ||
	    (error = ais_docker_request(&status, &body, d, "POST", path.ptr,
					NULL)) < 0)
		goto done;
	if (status == 404)
		error = ais_error_set(AIS_ENOTFOUND,
				      "cannot tag '%s' as '%s:%s': no such image",
				      src, repo, tag);
	else if (status != 201 && status != 200)
		error = ais_error_set(AIS_ERROR,
				      "cannot tag '%s' as '%s:%s': HTTP %ld: %s",
				      src, repo, tag, status,
				      ais_docker_error_message(&msg, &body));
done:
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
	ais_buf_dispose(&msg);
	return error;
}

int ais_docker_image_delete(long *status, ais_buf *body, ais_docker *d,
			    const char *ref)
{
	ais_buf path = AIS_BUF_INIT;
	int error;

	if ((error = ais_buf_printf(&path, "/images/%s", ref)) == 0)
		error = ais_docker_request(status, body, d, "DELETE", path.ptr, NULL);
	ais_buf_dispose(&path);
	return error;
}

int ais_docker_image_remove(ais_docker *d, const char *ref)
{
	ais_buf body = AIS_BUF_INIT, msg = AIS_BUF_INIT;
	long status;
	int error;

	if ((error = ais_docker_image_delete(&status, &body, d, ref)) < 0)
		goto done;
	if (status == 404)
		error = ais_error_set(AIS_ENOTFOUND,
				      "no such image '%s'", ref);
	else if (status != 200)
		error = ais_error_set(AIS_ERROR,
				      "cannot remove '%s': HTTP %ld: %s", ref,
				      status, ais_docker_error_message(&msg, &body));
done:
	ais_buf_dispose(&body);
	ais_buf_dispose(&msg);
	return error;
}

/* ---- builds ---------------------------------------------------------- */

void ais_build_result_init(ais_build_result *res)
{
	memset(res, 0, sizeof(*res));
}

void ais_build_result_dispose(ais_build_result *res)
{
	ais_buf_dispose(&res->image_id);
	ais_buf_dispose(&res->failed_step);
	ais_buf_dispose(&res->tail);
	ais_buf_dispose(&res->log);
	memset(res, 0, sizeof(*res));
}

typedef struct {
	ais_docker *d;
	const ais_build_opts *opts;
	ais_build_result *res;
	ais_buf in;          /* undecoded response bytes */
	ais_buf line;        /* partial output line from "stream" messages */
	ais_buf step;        /* the current "Step n/m : ..." line */
	ais_buf error;       /* errorDetail message */
	ais_buf tail_lines[AIS_BUILD_TAIL_LINES];
	int tail_next, tail_count;
	bool failed;
	ais_buildkit *bk;    /* BuildKit progress, once a trace arrives */
	int read_error;      /* error from the context reader */
	unsigned long long sent, sent_reported;
	long status;
} build_state;

static void build_event(build_state *st, ais_event_type type,
			const char *text)
{
	ais_event ev = { 0 };

	if (!st->opts->on_event)
		return;
	ev.type = type;
	ev.tag = st->opts->event_tag;
	ev.text = text;
	ev.bytes = st->sent;
	ev.steps = st->res->steps;
	if (type == AIS_EVENT_BUILD_STEP)
		sscanf(text, "Step %d/%d", &ev.step, &ev.steps);
	st->opts->on_event(&ev, st->opts->event_payload);
}

static void build_output_line(build_state *st, const char *text)
{
	int step, steps;

	ais_buf_printf(&st->res->log, "%s\n", text);
	if (sscanf(text, "Step %d/%d :", &step, &steps) == 2) {
		st->res->steps = steps;
		ais_buf_sets(&st->step, text);
		st->tail_count = 0;
		st->tail_next = 0;
		build_event(st, AIS_EVENT_BUILD_STEP, text);
		return;
	}
	ais_buf_sets(&st->tail_lines[st->tail_next], text);
	st->tail_next = (st->tail_next + 1) % AIS_BUILD_TAIL_LINES;
	if (st->tail_count < AIS_BUILD_TAIL_LINES)
		st->tail_count++;
	build_event(st, AIS_EVENT_BUILD_LINE, text);
}

/* "stream" text arrives in pieces; emit whole lines. */
static void build_stream_text(build_state *st, const char *text)
{
	const char *nl;

	while ((nl = strchr(text, '\n')) != NULL) {
		ais_buf_put(&st->line, text, (size_t)(nl - text));
		if (st->line.size && st->line.ptr[st->line.size - 1] == '\r')
			st->line.ptr[--st->line.size] = '\0';
		build_output_line(st, ais_buf_cstr(&st->line));
		ais_buf_clear(&st->line);
		text = nl + 1;
	}
	ais_buf_puts(&st->line, text);
}

static void bk_step_cb(const char *name, int step, int steps, bool cached,
		       void *p)
{
	build_state *st = p;
	ais_event ev = { 0 };
	ais_buf text = AIS_BUF_INIT;

	ais_buf_printf(&text, "%s%s", name, cached ? " (cached)" : "");
	ais_buf_printf(&st->res->log, "%s\n", ais_buf_cstr(&text));
	if (steps)
		st->res->steps = steps;
	ais_buf_sets(&st->step, name);
	if (st->opts->on_event) {
		ev.type = AIS_EVENT_BUILD_STEP;
		ev.tag = st->opts->event_tag;
		ev.text = ais_buf_cstr(&text);
		ev.step = step;
		ev.steps = steps;
		ev.bytes = st->sent;
		st->opts->on_event(&ev, st->opts->event_payload);
	}
	ais_buf_dispose(&text);
}

static void bk_line_cb(const char *line, void *p)
{
	build_state *st = p;

	ais_buf_printf(&st->res->log, "%s\n", line);
	build_event(st, AIS_EVENT_BUILD_LINE, line);
}

static void build_trace(build_state *st, const char *base64)
{
	ais_buildkit_callbacks cb = { bk_step_cb, bk_line_cb, st };

	/* A trace we cannot decode costs progress detail, never the build. */
	if (!st->bk && ais_buildkit_new(&st->bk) < 0) {
		ais_error_clear();
		return;
	}
	if (ais_buildkit_feed(st->bk, base64, &cb) < 0)
		ais_error_clear();
}

static void build_message(build_state *st, const char *text, size_t len)
{
	cJSON *msg = cJSON_ParseWithLength(text, len);
	const cJSON *v, *aux, *id, *detail;

	if (!msg) {
		/* Not JSON: keep it as output so nothing is lost. */
		ais_buf tmp = AIS_BUF_INIT;

		ais_buf_put(&tmp, text, len);
		build_output_line(st, ais_buf_cstr(&tmp));
		ais_buf_dispose(&tmp);
		return;
	}
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(msg, "stream")))
		build_stream_text(st, v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(msg, "status"))) {
		ais_buf s = AIS_BUF_INIT;

		id = cJSON_GetObjectItemCaseSensitive(msg, "id");
		if (cJSON_IsString(id))
			ais_buf_printf(&s, "%s: ", id->valuestring);
		ais_buf_puts(&s, v->valuestring);
		build_output_line(st, ais_buf_cstr(&s));
		ais_buf_dispose(&s);
	}
	aux = cJSON_GetObjectItemCaseSensitive(msg, "aux");
	v = cJSON_GetObjectItemCaseSensitive(msg, "id");
	if (cJSON_IsString(v) && !strcmp(v->valuestring, "moby.buildkit.trace") &&
	    cJSON_IsString(aux))
		build_trace(st, aux->valuestring);
	id = cJSON_GetObjectItemCaseSensitive(aux, "ID");
	if (cJSON_IsString(id))
		ais_buf_sets(&st->res->image_id, id->valuestring);
	detail = cJSON_GetObjectItemCaseSensitive(msg, "errorDetail");
	v = cJSON_GetObjectItemCaseSensitive(msg, "error");
	if (detail || cJSON_IsString(v)) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(detail, "message");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(detail, "code");

		st->failed = true;
		if (!cJSON_IsString(m))
			m = v;
		ais_buf_sets(&st->error, cJSON_IsString(m) ? m->valuestring
							 : "unknown build error");
		/* An exit code; anything else (found by fuzz_stream: 3e46) is
		 * not one, and must not be cast. */
		if (cJSON_IsNumber(code) && code->valuedouble >= 0 &&
		    code->valuedouble <= 255)
			st->res->exit_code = (long)code->valuedouble;
	}
	cJSON_Delete(msg);
}

static void build_consume(build_state *st, bool final)
{
	char *start, *nl;

	for (;;) {
		start = st->in.ptr;
		if (!start || !st->in.size)
			return;
		nl = memchr(start, '\n', st->in.size);
		if (!nl && !final)
			return;
		if (!nl)
			nl = start + st->in.size;
		{
			size_t len = (size_t)(nl - start);

			while (len && (start[len - 1] == '\r' || start[len - 1] == ' '))
				len--;
			if (len)
				build_message(st, start, len);
		}
		ais_buf_consume(&st->in, (size_t)(nl - start) +
					 (nl < start + st->in.size ? 1 : 0));
	}
}

static size_t build_write_cb(char *data, size_t size, size_t n, void *p)
{
	build_state *st = p;

	if (!st->status)
		curl_easy_getinfo(st->d->curl, CURLINFO_RESPONSE_CODE, &st->status);
	if (ais_buf_put(&st->in, data, size * n) < 0)
		return 0;
	if (st->status == 200)
		build_consume(st, false);
	return size * n;
}

static size_t build_read_cb(char *buf, size_t size, size_t n, void *p)
{
	build_state *st = p;
	ssize_t got;

	if (docker_cancelled(st->d))
		return CURL_READFUNC_ABORT;
	got = st->opts->read(buf, size * n, st->opts->read_payload);
	if (got < 0) {
		st->read_error = (int)got;
		return CURL_READFUNC_ABORT;
	}
	st->sent += (unsigned long long)got;
	if (got == 0 || st->sent - st->sent_reported >= DOCKER_SENT_EVERY) {
		st->sent_reported = st->sent;
		build_event(st, AIS_EVENT_BUILD_SENT, NULL);
	}
	return (size_t)got;
}

static int build_url(ais_buf *url, ais_docker *d, const ais_build_opts *opts)
{
	cJSON *labels = cJSON_CreateObject();
	char *json = NULL;
	const char **kv;
	int error = 0;

	AIS_CHECK_ALLOC(labels);
	for (kv = opts->labels; kv && kv[0] && kv[1]; kv += 2) {
		if (!cJSON_AddStringToObject(labels, kv[0], kv[1])) {
			error = ais_error_set(AIS_ENOMEM, "out of memory");
			goto done;
		}
	}
	json = cJSON_PrintUnformatted(labels);
	if (!json) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ais_buf_printf(url, "%s/v%s/build?forcerm=1&rm=1&dockerfile=",
				    d->ep.base_url, d->version)) < 0 ||
	    (error = ais_docker_urlencode(url, d, opts->dockerfile)) < 0 ||
	    (error = ais_buf_puts(url, "&labels=")) < 0 ||
	    (error = ais_docker_urlencode(url, d, json)) < 0)
		goto done;
	if (opts->tag && ((error = ais_buf_puts(url, "&t=")) < 0 ||
			  (error = ais_docker_urlencode(url, d, opts->tag)) < 0))
		goto done;
	if (opts->nocache && (error = ais_buf_puts(url, "&nocache=1")) < 0)
		goto done;
	if (opts->buildkit && (error = ais_buf_puts(url, "&version=2")) < 0)
		goto done;
	if (opts->session &&
	    ((error = ais_buf_puts(url, "&remote=client-session&session=")) < 0 ||
	     (error = ais_docker_urlencode(url, d, opts->session)) < 0))
		goto done;
done:
	cJSON_free(json);
	cJSON_Delete(labels);
	return error;
}

/* The whole response has arrived: judge it from the stream. */
static int build_finish(build_state *st)
{
	ais_build_result *res = st->res;
	int error = 0, i;

	build_consume(st, true);
	if (st->line.size)
		build_output_line(st, ais_buf_cstr(&st->line));
	if (st->bk) {
		const char *name = ais_buildkit_failed_step(st->bk);

		ais_buf_sets(&st->step, name ? name : "");
		st->tail_count = 0;
		if (st->failed)
			ais_buildkit_failed_tail(&res->tail, st->bk, AIS_BUILD_TAIL_LINES);
		if (st->failed && !res->exit_code) {
			const char *code = strstr(ais_buf_cstr(&st->error), "exit code: ");

			if (code)
				res->exit_code = strtol(code + 11, NULL, 10);
		}
	}
	for (i = 0; i < st->tail_count; i++) {
		int k = (st->tail_next - st->tail_count + i + AIS_BUILD_TAIL_LINES) %
			AIS_BUILD_TAIL_LINES;

		ais_buf_printf(&res->tail, "%s\n", ais_buf_cstr(&st->tail_lines[k]));
	}
	if (st->failed) {
		ais_buf_sets(&res->failed_step, ais_buf_cstr(&st->step));
		ais_buf_clear(&res->image_id);
		if (st->step.size)
			error = ais_error_set(AIS_EBUILD,
					      "%s: %s", ais_buf_cstr(&st->step),
					      ais_buf_cstr(&st->error));
		else
			error = ais_error_set(AIS_EBUILD, "%s",
					      ais_buf_cstr(&st->error));
		return error;
	}
	if (!res->image_id.size)
		error = ais_error_set(AIS_EBUILD,
				      "the build stream ended without an image id");
	else if (!ais_docker_id_valid(res->image_id.ptr))
		error = ais_error_set(AIS_EBUILD,
				      "the build stream ended with an invalid image id (not sha256: and 64 hex digits)");
	if (error < 0)
		ais_buf_clear(&res->image_id);
	return error;
}

static void build_state_dispose(build_state *st)
{
	int i;

	ais_buf_dispose(&st->in);
	ais_buf_dispose(&st->line);
	ais_buf_dispose(&st->step);
	ais_buf_dispose(&st->error);
	ais_buildkit_free(st->bk);
	for (i = 0; i < AIS_BUILD_TAIL_LINES; i++)
		ais_buf_dispose(&st->tail_lines[i]);
}

int ais_docker__parse_build_stream(ais_build_result *res, const char *data,
				   size_t len, size_t piece)
{
	static const ais_build_opts no_opts;
	build_state st;
	size_t off;
	int error;

	memset(&st, 0, sizeof(st));
	st.opts = &no_opts;
	st.res = res;
	st.status = 200;
	for (off = 0; off < len; off += piece ? piece : len) {
		size_t n = piece && len - off > piece ? piece : len - off;

		if (ais_buf_put(&st.in, data + off, n) < 0)
			break;
		build_consume(&st, false);
	}
	error = build_finish(&st);
	build_state_dispose(&st);
	return error;
}

/* The build's request headers, all or none: curl_slist_append() returns
 * NULL on failure and leaves the list it was given to the caller.  A
 * streamed context is chunked; a session's build has no body. */
static int build_headers(struct curl_slist **out, bool chunked)
{
	static const char *const lines[] = {
		"Content-Type: application/x-tar", "Expect:",
		"Transfer-Encoding: chunked"
	};
	struct curl_slist *list = NULL, *next;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]) - !chunked; i++) {
		if (!(next = curl_slist_append(list, lines[i]))) {
			curl_slist_free_all(list);
			return ais_error_set(AIS_ENOMEM, "out of memory");
		}
		list = next;
	}
	*out = list;
	return 0;
}

int ais_docker_build(ais_build_result *res, ais_docker *d,
		     const ais_build_opts *opts)
{
	build_state st;
	ais_buf url = AIS_BUF_INIT, msg = AIS_BUF_INIT;
	struct curl_slist *headers = NULL;
	CURLcode rc;
	int error = 0;

	if ((error = ais_docker_connect(d)) < 0)
		return error;
	/* podman's API ignores version=2 and builds with buildah: the image
	 * would be labelled with a builder that did not build it */
	if (opts->buildkit && d->libpod)
		return ais_error_set(AIS_EINVALID,
				     "the engine at %s is podman, which builds with buildah, not BuildKit",
				     d->ep.host);
	memset(&st, 0, sizeof(st));
	st.d = d;
	st.opts = opts;
	st.res = res;
	if ((error = build_url(&url, d, opts)) < 0)
		goto done;
	docker_prepare(d, url.ptr, d->timeouts.build_idle);
	if ((error = build_headers(&headers, opts->read != NULL)) < 0)
		goto done;
	curl_easy_setopt(d->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, headers);
	if (opts->read) {
		curl_easy_setopt(d->curl, CURLOPT_READFUNCTION, build_read_cb);
		curl_easy_setopt(d->curl, CURLOPT_READDATA, &st);
	} else {
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, "");
	}
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, build_write_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &st);
	rc = curl_easy_perform(d->curl);
	if (st.read_error) {
		error = st.read_error;
		goto done;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && !docker_cancelled(d)) {
		set_last_timeout(AIS_DOCKER_TIMEOUT_BUILD);
		error = ais_error_set(AIS_EUNAVAILABLE,
				      "the build sent nothing for %ld s; the Docker engine at %s may be stuck",
				      d->timeouts.build_idle, d->ep.host);
		goto done;
	}
	if (rc != CURLE_OK) {
		error = docker_transport_error(d, rc, false);
		if (error == AIS_ERROR)
			error = ais_error_set(AIS_ERROR,
					      "the connection to the Docker engine at %s broke during the build: %s",
					      d->ep.host, d->errbuf[0] ? d->errbuf
								 : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &st.status);
	if (st.status != 200) {
		error = ais_error_set(AIS_EBUILD,
				      "the engine refused the build: HTTP %ld: %s",
				      st.status, ais_docker_error_message(&msg, &st.in));
		goto done;
	}
	error = build_finish(&st);
done:
	curl_slist_free_all(headers);
	ais_buf_dispose(&url);
	ais_buf_dispose(&msg);
	build_state_dispose(&st);
	return error;
}

/* ---- pulls and pushes ------------------------------------------------ */

typedef struct {
	const ais_transfer_opts *opts;
	const char *ref;     /* repo:tag the events name */
	ais_buf in;          /* undecoded response bytes */
	ais_buf error;       /* the stream's error message */
	bool failed;
	ais_docker *d;
} transfer_state;

static void transfer_event(const transfer_state *st, ais_event_type type,
			   const char *text, int step, unsigned long long bytes)
{
	ais_event ev = { 0 };

	if (!st->opts || !st->opts->on_event)
		return;
	ev.type = type;
	ev.tag = st->ref;
	ev.text = text;
	ev.step = step;
	ev.bytes = bytes;
	st->opts->on_event(&ev, st->opts->event_payload);
}

/* One JSON line of a pull or push: {"status","id","progressDetail"} or
 * {"errorDetail","error"}. */
static void transfer_line(transfer_state *st, const char *text, size_t len)
{
	cJSON *msg = cJSON_ParseWithLength(text, len);
	const cJSON *status, *id, *detail, *err, *current;
	ais_buf line = AIS_BUF_INIT;

	if (!msg)
		return;
	detail = cJSON_GetObjectItemCaseSensitive(msg, "errorDetail");
	err = cJSON_GetObjectItemCaseSensitive(msg, "error");
	if (detail || cJSON_IsString(err)) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(detail, "message");

		st->failed = true;
		ais_buf_sets(&st->error, cJSON_IsString(m) ? m->valuestring
				       : cJSON_IsString(err) ? err->valuestring
							     : "unknown error");
	}
	status = cJSON_GetObjectItemCaseSensitive(msg, "status");
	if (cJSON_IsString(status)) {
		id = cJSON_GetObjectItemCaseSensitive(msg, "id");
		current = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(msg, "progressDetail"),
			"current");
		if (cJSON_IsString(id))
			ais_buf_printf(&line, "%s: ", id->valuestring);
		ais_buf_puts(&line, status->valuestring);
		transfer_event(st, AIS_EVENT_TRANSFER_STEP, ais_buf_cstr(&line),
			       cJSON_IsNumber(current) ? 1 : 0,
			       cJSON_IsNumber(current) && current->valuedouble > 0
			       ? (unsigned long long)current->valuedouble : 0);
	}
	ais_buf_dispose(&line);
	cJSON_Delete(msg);
}

static void transfer_feed(transfer_state *st, bool final)
{
	char *nl;

	while (st->in.size) {
		nl = memchr(st->in.ptr, '\n', st->in.size);
		if (!nl && !final)
			return;
		if (!nl) {
			transfer_line(st, st->in.ptr, st->in.size);
			ais_buf_clear(&st->in);
			return;
		}
		transfer_line(st, st->in.ptr, (size_t)(nl - st->in.ptr));
		ais_buf_consume(&st->in, (size_t)(nl - st->in.ptr) + 1);
	}
}

static size_t transfer_write_cb(char *data, size_t size, size_t n, void *p)
{
	transfer_state *st = p;
	long status = 0;

	if (ais_buf_put(&st->in, data, size * n) < 0)
		return 0;
	/* A progress stream is followed as it comes; an error body is read
	 * whole, for its message. */
	curl_easy_getinfo(st->d->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200)
		transfer_feed(st, false);
	return size * n;
}

/* Append the API path that pulls or pushes `repo`:`tag`. */
static int transfer_path(ais_buf *out, ais_docker *d, bool push,
			 const char *repo, const char *tag)
{
	int error;

	if (push)
		error = ais_buf_printf(out, "/images/%s/push?tag=", repo);
	else if ((error = ais_buf_puts(out, "/images/create?fromImage=")) == 0 &&
		 (error = ais_docker_urlencode(out, d, repo)) == 0)
		error = ais_buf_puts(out, "&tag=");
	if (error < 0)
		return error;
	return ais_docker_urlencode(out, d, tag);
}

/* Pull or push `repo`:`tag` and follow the progress stream. */
static int docker_transfer(ais_docker *d, bool push, const char *repo,
			   const char *tag, const ais_transfer_opts *opts)
{
	const char *what = push ? "pushing" : "pulling";
	transfer_state st;
	ais_buf url = AIS_BUF_INIT, header = AIS_BUF_INIT, msg = AIS_BUF_INIT,
		ref = AIS_BUF_INIT;
	struct curl_slist *headers = NULL;
	long status = 0;
	int error = 0;

	memset(&st, 0, sizeof(st));
	st.d = d;
	st.opts = opts;
	if ((error = ais_docker_connect(d)) < 0 ||
	    (error = ais_buf_printf(&url, "%s/v%s", d->ep.base_url,
				    d->version)) < 0 ||
	    (error = transfer_path(&url, d, push, repo, tag)) < 0 ||
	    (error = ais_buf_printf(&ref, "%s:%s", repo, tag)) < 0 ||
	    (error = ais_buf_printf(&header, "X-Registry-Auth: %s",
				    opts && opts->auth ? opts->auth : "e30=")) < 0)
		goto done;
	st.ref = ref.ptr;
	docker_prepare(d, url.ptr, d->timeouts.build_idle);
	headers = curl_slist_append(headers, header.ptr);
	if (!headers) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	curl_easy_setopt(d->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, transfer_write_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &st);
	transfer_event(&st, AIS_EVENT_TRANSFER_START, what, 0, 0);
	if ((error = docker_perform(d, false, &status)) < 0)
		goto done;
	if (status != 200) {
		error = ais_error_set(status == 404 ? AIS_ENOTFOUND : AIS_ERROR,
				      "%s %s failed: %s", what, ref.ptr,
				      ais_docker_error_message(&msg, &st.in));
		goto done;
	}
	transfer_feed(&st, true);
	if (st.failed) {
		const char *m = ais_buf_cstr(&st.error);

		error = ais_error_set(strstr(m, "manifest unknown") ? AIS_ENOTFOUND
								     : AIS_ERROR,
				      "%s %s failed: %s", what, ref.ptr, m);
		goto done;
	}
	transfer_event(&st, AIS_EVENT_TRANSFER_DONE, push ? "pushed" : "pulled",
		       0, 0);
done:
	curl_slist_free_all(headers);
	ais_buf_dispose(&url);
	ais_buf_dispose(&ref);
	ais_buf_dispose(&header);
	ais_buf_dispose(&msg);
	ais_buf_dispose(&st.in);
	ais_buf_dispose(&st.error);
	return error;
}

int ais_docker_image_pull(ais_docker *d, const char *repo, const char *tag,
			  const ais_transfer_opts *opts)
{
	return docker_transfer(d, false, repo, tag, opts);
}

int ais_docker_image_push(ais_docker *d, const char *repo, const char *tag,
			  const ais_transfer_opts *opts)
{
	return docker_transfer(d, true, repo, tag, opts);
}

/* ---- upgraded connections -------------------------------------------- */

struct ais_docker_conn {
	ais_docker *d;  /* a handle of its own: the connection is its */
	curl_socket_t fd;
	ais_buf early;  /* bytes that came with the 101 answer, not yet read */
	size_t early_off;
};

/* Wait until the connection can be written (`out`) or read; 0, or
 * AIS_EUNAVAILABLE after the connect timeout. */
static int conn_wait(ais_docker_conn *c, bool out)
{
	struct pollfd pfd = { c->fd, out ? POLLOUT : POLLIN, 0 };
	long limit = c->d->timeouts.idle > 0 ? c->d->timeouts.idle * 1000 : -1;
	int n;

	while ((n = poll(&pfd, 1, (int)limit)) < 0 && errno == EINTR)
		;
	if (n > 0)
		return 0;
	return ais_error_set(AIS_EUNAVAILABLE,
			     "the Docker engine at %s did not answer in time",
			     c->d->ep.host);
}

static int conn_send_all(ais_docker_conn *c, const char *data, size_t len)
{
	while (len) {
		ssize_t n = ais_docker_conn_send(c, data, len);
		int error;

		if (n < 0)
			return (int)n;
		if (n == 0 && (error = conn_wait(c, true)) < 0)
			return error;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read the engine's answer up to its blank line into `head`; what follows
 * it goes to c->early. */
static int conn_read_head(ais_docker_conn *c, ais_buf *head)
{
	char chunk[4096];

	for (;;) {
		const char *end;
		ssize_t n;
		int error;

		n = ais_docker_conn_recv(c, chunk, sizeof(chunk));
		if (n == AIS_DOCKER_CONN_AGAIN) {
			if ((error = conn_wait(c, false)) < 0)
				return error;
			continue;
		}
		if (n < 0)
			return (int)n;
		if (n == 0)
			return ais_error_set(AIS_ERROR,
					     "the Docker engine at %s closed the connection before it answered",
					     c->d->ep.host);
		if ((error = ais_buf_put(head, chunk, (size_t)n)) < 0)
			return error;
		if ((end = strstr(ais_buf_cstr(head), "\r\n\r\n"))) {
			size_t len = (size_t)(end + 4 - head->ptr);

			if ((error = ais_buf_put(&c->early, head->ptr + len,
						 head->size - len)) < 0)
				return error;
			head->size = len;
			head->ptr[len] = '\0';
			return 0;
		}
		if (head->size > 64 * 1024)
			return ais_error_set(AIS_ERROR,
					     "the Docker engine at %s sent an answer without an end",
					     c->d->ep.host);
	}
}

int ais_docker_upgrade(ais_docker_conn **out, ais_docker *d, const char *path,
		       const char *proto, const char *const *headers)
{
	ais_docker_conn *c;
	ais_endpoint ep = AIS_ENDPOINT_INIT;
	ais_buf url = AIS_BUF_INIT, req = AIS_BUF_INIT, head = AIS_BUF_INIT;
	const char *host, *const *h;
	CURLcode rc;
	long status;
	int error;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	AIS_CHECK_ALLOC(c);
	c->fd = CURL_SOCKET_BAD;
	/* an ssh:// copy of ours names our listening socket: start afresh */
	if ((error = ais_endpoint_copy(&ep, &d->ep)) < 0)
		goto done;
	if (ep.ssh_host) {
		free(ep.unix_path);
		ep.unix_path = NULL;
	}
	/* `d` has pinged: its version and libcurl serve this handle too */
	if ((error = ais_docker_connect(d)) < 0 ||
	    (error = ais_docker_new(&c->d, &ep, &d->timeouts)) < 0)
		goto done;
	if (!(c->d->curl = curl_easy_init())) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	c->d->connected = 1;
	memcpy(c->d->version, d->version, sizeof(d->version));
	c->d->cancel = d->cancel;
	if ((error = ais_buf_printf(&url, "%s/_ping", d->ep.base_url)) < 0)
		goto done;
	docker_prepare(c->d, url.ptr, 0);
	curl_easy_setopt(c->d->curl, CURLOPT_CONNECT_ONLY, 1L);
	if ((rc = curl_easy_perform(c->d->curl)) != CURLE_OK) {
		error = docker_transport_error(c->d, rc, false);
		goto done;
	}
	if (curl_easy_getinfo(c->d->curl, CURLINFO_ACTIVESOCKET, &c->fd) != CURLE_OK ||
	    c->fd == CURL_SOCKET_BAD) {
		error = ais_error_set(AIS_ERROR, "cannot open a connection to the Docker engine at %s",
				      d->ep.host);
		goto done;
	}
	host = strstr(d->ep.base_url, "://");
	host = host ? host + 3 : d->ep.base_url;
	if ((error = ais_buf_printf(&req, "POST /v%s%s HTTP/1.1\r\nHost: %s\r\n"
				    "Connection: Upgrade\r\nUpgrade: %s\r\n"
				    "Content-Length: 0\r\n",
				    d->version, path, host, proto)) < 0)
		goto done;
	for (h = headers; h && *h; h++)
		if ((error = ais_buf_printf(&req, "%s\r\n", *h)) < 0)
			goto done;
	if ((error = ais_buf_puts(&req, "\r\n")) < 0 ||
	    (error = conn_send_all(c, req.ptr, req.size)) < 0 ||
	    (error = conn_read_head(c, &head)) < 0)
		goto done;
	if (sscanf(head.ptr, "HTTP/%*s %ld", &status) != 1)
		status = 0;
	if (status != 101) {
		const char *eol = strstr(head.ptr, "\r\n");

		error = ais_error_set(AIS_ERROR,
				      "the Docker engine at %s refused %s: %.*s",
				      d->ep.host, path,
				      (int)(eol ? eol - head.ptr : 0), head.ptr);
		goto done;
	}
	*out = c;
	c = NULL;
done:
	ais_docker_conn_close(c);
	ais_endpoint_dispose(&ep);
	ais_buf_dispose(&url);
	ais_buf_dispose(&req);
	ais_buf_dispose(&head);
	return error;
}

int ais_docker_conn_fd(const ais_docker_conn *c)
{
	return (int)c->fd;
}

bool ais_docker_conn_pending(const ais_docker_conn *c)
{
	return c->early_off < c->early.size;
}

ssize_t ais_docker_conn_send(ais_docker_conn *c, const void *buf, size_t len)
{
	size_t n = 0;
	CURLcode rc = curl_easy_send(c->d->curl, buf, len, &n);

	if (rc == CURLE_AGAIN)
		return 0;
	if (rc != CURLE_OK)
		return ais_error_set(AIS_ERROR, "cannot write to the Docker engine at %s: %s",
				     c->d->ep.host, curl_easy_strerror(rc));
	return (ssize_t)n;
}

ssize_t ais_docker_conn_recv(ais_docker_conn *c, void *buf, size_t len)
{
	size_t n = 0;
	CURLcode rc;

	if (c->early_off < c->early.size)
		return (ssize_t)ais_buf_take(&c->early, &c->early_off, buf, len);
	rc = curl_easy_recv(c->d->curl, buf, len, &n);
	if (rc == CURLE_AGAIN)
		return AIS_DOCKER_CONN_AGAIN;
	if (rc != CURLE_OK)
		return ais_error_set(AIS_ERROR, "cannot read from the Docker engine at %s: %s",
				     c->d->ep.host, curl_easy_strerror(rc));
	return (ssize_t)n;
}

void ais_docker_conn_close(ais_docker_conn *c)
{
	if (!c)
		return;
	ais_docker_free(c->d);
	ais_buf_dispose(&c->early);
	free(c);
}
