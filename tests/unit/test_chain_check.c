/*
 * ais_chain_check() connects and inspects on a second thread while it
 * walks the build contexts.  Whatever the two meet, the error reported is
 * the one the steps run in turn would meet first: connecting, then the
 * walk, then an inspect.  The engine here is a small server on a unix
 * socket answering /_ping and failing every other request.
 */
#include "test.h"

#include "chain.h"
#include "docker.h"
#include "endpoint.h"
#include "error.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
	int listen_fd;
	int requests;
} engine;

/* One request per connection ("Connection: close"), until shut down. */
static void *engine_serve(void *p)
{
	engine *e = p;
	int fd;

	while ((fd = accept(e->listen_fd, NULL, NULL)) >= 0) {
		static const char ping[] =
			"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
			"Content-Length: 2\r\nConnection: close\r\n\r\nOK";
		static const char fail[] =
			"HTTP/1.1 500 Internal Server Error\r\n"
			"Content-Type: application/json\r\nContent-Length: 32\r\n"
			"Connection: close\r\n\r\n{\"message\":\"the engine fell\"}\n  ";
		char req[4096];
		size_t got = 0;
		ssize_t n;

		while (got < sizeof(req) - 1 &&
		       (n = read(fd, req + got, sizeof(req) - 1 - got)) > 0) {
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[got] = '\0';
		e->requests++;
		if (!strncmp(req, "GET /_ping ", 11)) {
			if (write(fd, ping, sizeof(ping) - 1) < 0)
				break;
		} else if (write(fd, fail, sizeof(fail) - 1) < 0) {
			break;
		}
		close(fd);
	}
	return NULL;
}

static int engine_start(engine *e, pthread_t *thread, char *sock, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	snprintf(sock, len, "%s/engine.sock", test_tmpdir());
	if (strlen(sock) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, sock, strlen(sock) + 1);
	e->requests = 0;
	e->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (e->listen_fd < 0 ||
	    bind(e->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(e->listen_fd, 8) < 0 ||
	    pthread_create(thread, NULL, engine_serve, e) != 0)
		return -1;
	return 0;
}

static void engine_stop(engine *e, pthread_t thread)
{
	shutdown(e->listen_fd, SHUT_RDWR);
	pthread_join(thread, NULL);
	close(e->listen_fd);
}

/* A chain over a project whose Dockerfile COPYs a few files, and a handle
 * on the engine at `sock` that is not connected yet. */
static void open_both(ais_chain **chain, ais_docker **d, ais_endpoint *ep,
		      const char *sock)
{
	ais_endpoint_env env = { 0 };
	ais_chain_opts opts = { 0 };
	char host[600], dir[600];

	test_mkdir("home");
	test_mkdir("project");
	test_mkdir("project/.aishell");
	test_mkdir("project/src");
	test_write("project/.aishell/Dockerfile", "FROM aistest:base\nCOPY . /app\n");
	test_write("project/src/a.txt", "a\n");
	test_write("project/src/b.txt", "b\n");
	snprintf(dir, sizeof(dir), "%s/project", test_tmpdir());
	opts.repo = "aistest";
	opts.project_dir = dir;
	snprintf(host, sizeof(host), "%s/home", test_tmpdir());
	opts.home = host;
	opts.lock_dir = test_tmpdir();
	CHECK_INT(ais_chain_new(chain, &opts), 0);
	snprintf(host, sizeof(host), "unix://%s", sock);
	env.docker_host = host;
	CHECK_INT(ais_endpoint_resolve(ep, &env), 0);
	CHECK_INT(ais_docker_new(d, ep, NULL), 0);
}

static void remove_dockerfile(void)
{
	char path[600];

	/* the chain read it when made; the walk reads it again */
	snprintf(path, sizeof(path), "%s/project/.aishell/Dockerfile", test_tmpdir());
	CHECK_INT(unlink(path), 0);
}

static void close_both(ais_chain *chain, ais_docker *d, ais_endpoint *ep)
{
	ais_docker_free(d);
	ais_endpoint_dispose(ep);
	ais_chain_free(chain);
}

TEST(chain_check_unreachable_engine_before_the_walk)
{
	ais_chain *chain = NULL;
	ais_docker *d = NULL;
	ais_endpoint ep;
	char sock[600], want[800];
	int pass;

	snprintf(sock, sizeof(sock), "%s/no-engine.sock", test_tmpdir());
	snprintf(want, sizeof(want),
		 "cannot reach the Docker engine at unix://%s (DOCKER_HOST): No such file or directory",
		 sock);
	/* with a walk that succeeds, then with one that fails */
	for (pass = 0; pass < 2; pass++) {
		open_both(&chain, &d, &ep, sock);
		if (pass)
			remove_dockerfile();
		CHECK_INT(ais_chain_check(chain, d), AIS_EUNAVAILABLE);
		CHECK_STR(ais_error_last()->message, want);
		/* the handle gives the same answer again, on this thread */
		ais_error_clear();
		CHECK_INT(ais_docker_connect(d), AIS_EUNAVAILABLE);
		CHECK_STR(ais_error_last()->message, want);
		close_both(chain, d, &ep);
	}
}

TEST(chain_check_walk_error_before_an_inspect_error)
{
	ais_chain *chain = NULL;
	ais_docker *d = NULL;
	ais_endpoint ep;
	engine e;
	pthread_t server;
	char sock[600], want[800];

	CHECK_INT(engine_start(&e, &server, sock, sizeof(sock)), 0);

	/* The walk succeeds: the inspect's failure is the error. */
	open_both(&chain, &d, &ep, sock);
	CHECK_INT(ais_chain_check(chain, d), AIS_ERROR);
	CHECK_STR(ais_error_last()->message,
		  "inspecting 'aistest:base' failed: HTTP 500: the engine fell");
	close_both(chain, d, &ep);

	/* The walk fails too: its error comes first, as it would in turn. */
	open_both(&chain, &d, &ep, sock);
	remove_dockerfile();
	CHECK_INT(ais_chain_check(chain, d), AIS_ENOTFOUND);
	snprintf(want, sizeof(want), "'%s/project/.aishell/Dockerfile'", test_tmpdir());
	CHECK(strstr(ais_error_last()->message, want) != NULL);
	CHECK(strstr(ais_error_last()->message, "HTTP 500") == NULL);
	close_both(chain, d, &ep);

	engine_stop(&e, server);
	CHECK(e.requests >= 4); /* two pings, at least one inspect each */
}
