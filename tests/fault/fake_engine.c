/*
 * fake_engine - a scripted Docker Engine API server on a unix socket, for
 * the faults a real daemon cannot be made to produce.
 *
 * usage: fake_engine SOCKET SCENARIO LOG
 *
 * It answers /_ping (API 1.41), inspects of "<repo>:foundation" and
 * "<repo>:base" (the same id: a fresh alias base), an empty container list
 * and 404 for anything else, so that `aishell ensure` on a project with a Dockerfile goes on to
 * build.  SCENARIO decides what goes wrong:
 *   hang           accept the connection, never answer
 *   garbage        answer every request with bytes that are not HTTP
 *   bad-json       image inspects answer 200 with broken JSON
 *   build-500      the build answers HTTP 500 {"message": ...}
 *   build-cut      the build stream starts, then the connection is cut in
 *                  the middle of a chunked body
 *   build-garbage  the build stream is lines of garbage, then ends
 *   build-reset    the connection is reset while the context uploads
 *   build-hang     the build answers 200 and then nothing
 *   bad-id         the build succeeds with the image id
 *                  "sha256:/../../../../tmp/X" (a path, not an id)
 *   bad-inspect-id image inspects answer with that id
 *   session-hang   POST /session is never answered; the build (as a tar)
 *                  then succeeds
 * POST /session (a BuildKit session) is refused with 404, as by an engine
 * without sessions: aishell then sends the context as a tar.  Each
 * connection is served by a child process of its own, which dies with the
 * server.  Every request line goes to LOG ("METHOD PATH"), so tests can
 * check that no tag request was made.  Runs until killed.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define ID "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define BAD_ID "sha256:/../../../../tmp/X"

static const char *scenario;
static FILE *log_file;

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int say(int fd, const char *s)
{
	return write_all(fd, s, strlen(s));
}

static int respond(int fd, int status, const char *reason, const char *body)
{
	char head[512];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n", status, reason, strlen(body));
	return say(fd, head) || say(fd, body);
}

static int chunk(int fd, const char *s)
{
	char head[32];

	snprintf(head, sizeof(head), "%zx\r\n", strlen(s));
	return say(fd, head) || say(fd, s) || say(fd, "\r\n");
}

/* Percent-decode `s` in place, as the engine's router does with a path. */
static void url_decode(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], '\0' };

			*out++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Read one request's head into buf; returns its length, 0 at EOF. */
static ssize_t read_head(int fd, char *buf, size_t size, size_t *have)
{
	char *end;

	for (;;) {
		ssize_t n;

		buf[*have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")))
			return end + 4 - buf;
		if (*have >= size - 1)
			return -1;
		n = read(fd, buf + *have, size - 1 - *have);
		if (n <= 0)
			return n == 0 && *have == 0 ? 0 : -1;
		*have += (size_t)n;
	}
}

/* Read (and drop) the request body: Content-Length or chunked.  With
 * `reset_after`, reset the connection once that many bytes arrived. */
static int read_body(int fd, const char *head, char *buf, size_t size,
		     size_t *have, size_t head_len, size_t reset_after)
{
	const char *cl = strcasestr(head, "\r\nContent-Length:");
	size_t got = *have - head_len, total = 0;

	memmove(buf, buf + head_len, got);
	*have = got;
	if (cl) {
		size_t want = strtoul(cl + 17, NULL, 10);

		while (got < want) {
			ssize_t n = read(fd, buf, size);

			if (n <= 0)
				return -1;
			got += (size_t)n;
		}
		*have = 0;
		return 0;
	}
	if (!strcasestr(head, "\r\nTransfer-Encoding: chunked"))
		return 0;
	/* Chunked: read until the terminating "0\r\n\r\n". */
	for (;;) {
		buf[*have] = '\0';
		if (memmem(buf, *have, "\r\n0\r\n\r\n", 7) ||
		    (*have >= 5 && !memcmp(buf, "0\r\n\r\n", 5))) {
			*have = 0;
			return 0;
		}
		if (reset_after && total >= reset_after) {
			struct linger lg = { 1, 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			return -1;
		}
		if (*have > size / 2) {
			/* Keep only a tail long enough to hold the terminator. */
			memmove(buf, buf + *have - 8, 8);
			*have = 8;
		}
		{
			ssize_t n = read(fd, buf + *have, size - 1 - *have);

			if (n <= 0)
				return -1;
			*have += (size_t)n;
			total += (size_t)n;
		}
	}
}

static void serve(int fd)
{
	static char buf[1 << 20];
	size_t have = 0;

	for (;;) {
		char method[16] = "", path[4096] = "";
		ssize_t head_len = read_head(fd, buf, sizeof(buf), &have);
		char *head;

		if (head_len <= 0)
			return;
		head = strndup(buf, (size_t)head_len);
		sscanf(head, "%15s %4095s", method, path);
		url_decode(path);
		fprintf(log_file, "%s %s\n", method, path);
		fflush(log_file);
		if (!strcmp(scenario, "hang")) {
			free(head);
			for (;;)
				pause();
		}
		if (!strcmp(scenario, "garbage")) {
			say(fd, "\x01\x02 this is not HTTP \xff\r\n\r\n");
			free(head);
			return;
		}
		if (read_body(fd, head, buf, sizeof(buf), &have, (size_t)head_len,
			      !strcmp(scenario, "build-reset") && strstr(path, "/build")
				      ? 64 * 1024 : 0) < 0) {
			free(head);
			return;
		}
		free(head);
		if (!strcmp(path, "/_ping")) {
			respond(fd, 200, "OK", "OK");
		} else if (strstr(path, "/session")) {
			if (!strcmp(scenario, "session-hang"))
				for (;;)
					pause();
			respond(fd, 404, "Not Found", "{\"message\":\"page not found\"}");
		} else if (strstr(path, "/images/") && strstr(path, "/json") &&
			   (strstr(path, ":foundation/") || strstr(path, ":base/"))) {
			if (!strcmp(scenario, "bad-json"))
				respond(fd, 200, "OK", "{\"Id\": \"sha256:1111\", ");
			else if (!strcmp(scenario, "bad-inspect-id"))
				respond(fd, 200, "OK", "{\"Id\":\"" BAD_ID "\",\"Config\":{\"Labels\":null}}");
			else
				respond(fd, 200, "OK", "{\"Id\":\"" ID "\",\"Config\":{\"Labels\":null}}");
		} else if (strstr(path, "/build")) {
			if (!strcmp(scenario, "build-500")) {
				respond(fd, 500, "Internal Server Error",
					"{\"message\":\"the engine fell over\"}");
				continue;
			}
			say(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
			if (!strcmp(scenario, "build-hang")) {
				for (;;)
					pause();
			}
			if (!strcmp(scenario, "bad-id") || !strcmp(scenario, "session-hang")) {
				chunk(fd, "{\"stream\":\"Step 1/1 : FROM x\\n\"}\r\n");
				if (!strcmp(scenario, "session-hang"))
					chunk(fd, "{\"aux\":{\"ID\":\"" ID "\"}}\r\n");
				else
					chunk(fd, "{\"aux\":{\"ID\":\"" BAD_ID "\"}}\r\n");
				chunk(fd, "{\"stream\":\"Successfully built 1111\\n\"}\r\n");
				say(fd, "0\r\n\r\n");
				return;
			}
			if (!strcmp(scenario, "build-garbage")) {
				chunk(fd, "{\"stream\":\"Step 1/2 : FROM x\\n\"}\r\n");
				chunk(fd, "\x01garbage{{{\r\n");
				chunk(fd, "{\"stream\": 42}\r\n");
				say(fd, "0\r\n\r\n");
				return;
			}
			/* build-cut, and the rest: a stream cut mid-chunk. */
			chunk(fd, "{\"stream\":\"Step 1/2 : FROM x\\n\"}\r\n");
			say(fd, "400\r\n{\"stream\":\"Step 2/2 : RUN mak");
			return;
		} else if (strstr(path, "/containers/json")) {
			respond(fd, 200, "OK", "[]");
		} else if (strstr(path, "/tag")) {
			say(fd, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
		} else {
			respond(fd, 404, "Not Found", "{\"message\":\"no such image\"}");
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int srv;

	if (argc != 4) {
		fprintf(stderr, "usage: fake_engine SOCKET SCENARIO LOG\n");
		return 2;
	}
	scenario = argv[2];
	log_file = fopen(argv[3], "a");
	if (!log_file || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "fake_engine: bad log or socket path\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	strcpy(addr.sun_path, argv[1]);
	unlink(argv[1]);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(srv, 16) < 0) {
		perror("fake_engine");
		return 1;
	}
	for (;;) {
		int fd = accept(srv, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		switch (fork()) {
		case 0:
			close(srv);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			serve(fd);
			fflush(log_file);
			_exit(0);
		case -1:
			perror("fake_engine: fork");
			break;
		}
		close(fd);
	}
}
