/*
 * docker.h - a small Docker Engine API client over libcurl.
 *
 * One ais_docker holds one curl handle, so every request of a run shares a
 * keep-alive connection.  ais_docker_open() pings the engine and negotiates
 * the API version (the lower of the engine's and AIS_DOCKER_API_MAX); every
 * later request uses versioned paths (/v1.41/...).  HTTP only, no policy.
 * libcurl is opened on first use (lazy.h): by the connection.
 *
 * An ais_docker is used by one thread at a time; the thread may change
 * (chain.c connects and inspects on a second thread while it walks).
 */
#ifndef AIS_DOCKER_H
#define AIS_DOCKER_H

#include "buf.h"
#include "endpoint.h"
#include "event.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#define AIS_DOCKER_API_MAX "1.41"
#define AIS_DOCKER_API_MIN "1.25"

typedef struct ais_docker ais_docker;

struct cJSON;

/* Time limits, in seconds; 0 means none. */
typedef struct {
	long connect;     /* establishing the connection */
	long idle;        /* a request (not a build) that stops moving data */
	long build_idle;  /* a build stream that stops moving data */
} ais_docker_timeouts;

#define AIS_DOCKER_CONNECT_TIMEOUT 10
#define AIS_DOCKER_IDLE_TIMEOUT 60
#define AIS_DOCKER_TIMEOUTS_INIT                                            \
	{ AIS_DOCKER_CONNECT_TIMEOUT, AIS_DOCKER_IDLE_TIMEOUT, 0 }

/* Which of those limits ended a request. */
typedef enum {
	AIS_DOCKER_TIMEOUT_NONE,
	AIS_DOCKER_TIMEOUT_REQUEST, /* connect or idle */
	AIS_DOCKER_TIMEOUT_BUILD    /* build_idle */
} ais_docker_timeout;

/* The limit that ended the last request made (on any thread), so that a
 * caller can say which setting to change; AIS_DOCKER_TIMEOUT_NONE when it
 * ended otherwise.  Each request resets it. */
ais_docker_timeout ais_docker_last_timeout(void);

/* Connect and negotiate.  AIS_EUNAVAILABLE when the engine cannot be
 * reached, or does not answer in time, with a message naming the endpoint
 * and the reason.  `timeouts` may be NULL for the defaults.
 *
 * For an ssh:// endpoint every connection is `ssh ... -- host docker system
 * dial-stdio` (ssh from PATH, in its own session); curl keeps one alive, so
 * a run starts one ssh (and an upgraded connection one more), which
 * ais_docker_free() waits for.  When ssh fails,
 * its exit status and stderr are the reason (AIS_EUNAVAILABLE). */
int ais_docker_open_with(ais_docker **out, const ais_endpoint *ep,
			 const ais_docker_timeouts *timeouts);

/* ais_docker_open_with() with the default timeouts. */
int ais_docker_open(ais_docker **out, const ais_endpoint *ep);
void ais_docker_free(ais_docker *d);

/* ais_docker_open_with() in two steps, so that the connection can be made
 * later, or on another thread.  ais_docker_new() neither loads libcurl nor
 * connects.  ais_docker_connect() loads libcurl ("cannot load libcurl:
 * ..." when it cannot), connects and negotiates, once: later calls give
 * its first result again, error message included.  Every request connects
 * first, so a handle from ais_docker_new() may be used as it is; the three
 * functions below that read the negotiation need a connection made. */
int ais_docker_new(ais_docker **out, const ais_endpoint *ep,
		   const ais_docker_timeouts *timeouts);
int ais_docker_connect(ais_docker *d);

/* The negotiated API version, e.g. "1.41". */
const char *ais_docker_api_version(const ais_docker *d);

/* Can the engine build with BuildKit (POST /build?version=2)?  From the
 * _ping Builder-Version header when present, else API >= 1.39 and not
 * podman. */
bool ais_docker_buildkit_supported(const ais_docker *d);

/* Is the engine podman (its _ping sent Libpod-Api-Version)? */
bool ais_docker_is_podman(const ais_docker *d);

/* The endpoint description used in messages, e.g. "unix:///var/run/docker.sock". */
const char *ais_docker_host(const ais_docker *d);

/* Stop a running build (or any request) as soon as *flag becomes non-zero.
 * The flag is typically set by a SIGINT handler. */
void ais_docker_set_cancel(ais_docker *d, const volatile sig_atomic_t *flag);

/* GET /images/{name}/json. */
typedef struct ais_image ais_image;

/* Inspect `ref` (a name or an id; URL-encoded here).  AIS_ENOTFOUND when
 * there is no such image (*out = NULL). */
int ais_docker_image_inspect(ais_image **out, ais_docker *d, const char *ref);

/* Full "sha256:<64 hex>" id. */
const char *ais_image_id(const ais_image *img);

/* Whether `id` is an image id as the engine gives them: "sha256:" and 64
 * lowercase hex digits.  Nothing else the engine sends is used as an id
 * (ids become URL and file-name parts). */
bool ais_docker_id_valid(const char *id);

/* A label's value, or NULL when the label is absent or empty (the original
 * tool reads an empty label back as absent). */
const char *ais_image_label(const ais_image *img, const char *key);

/* Number of repository tags the image carries. */
int ais_image_tag_count(const ais_image *img);

/* The whole inspect answer, for the fields the accessors above leave out
 * (RootFS, Created, RepoTags); owned by `img`. */
const struct cJSON *ais_image_json(const ais_image *img);

void ais_image_free(ais_image *img);

/* Parse GET /images/{name}/json output (also used by tests).
 * AIS_ERROR when it is not image JSON, AIS_EINVALID when its id is not
 * valid (ais_docker_id_valid). */
int ais_image_from_json(ais_image **out, const char *json, size_t len);

/* Tag image `src` (name or id) as repo:tag. */
int ais_docker_image_tag(ais_docker *d, const char *src, const char *repo,
			 const char *tag);

/* Remove an image by name or id (no force).  AIS_ENOTFOUND if absent. */
int ais_docker_image_remove(ais_docker *d, const char *ref);

/* The request ais_docker_image_remove() makes, for a caller that tells the
 * engine's answers apart itself: `status` and `body` are the answer (409:
 * something uses the image); an error only when there was none. */
int ais_docker_image_delete(long *status, ais_buf *body, ais_docker *d,
			    const char *ref);

/* Pulls the build context, tar bytes, into buf: returns the number of
 * bytes written, 0 at the end, or a negative error code (with
 * ais_error_set called). */
typedef ssize_t (*ais_docker_read_cb)(char *buf, size_t len, void *payload);

typedef struct {
	const char *dockerfile;        /* path inside the context */
	const char **labels;           /* key, value, key, value, ..., NULL */
	const char *tag;               /* NULL: do not tag (see ais_docker_image_tag) */
	bool nocache;
	bool buildkit;                 /* version=2: BuildKit instead of legacy */
	ais_docker_read_cb read;       /* the context as a tar stream; NULL with
					* a session */
	void *read_payload;
	const char *session;           /* BuildKit only: the id of the session
					* the engine fetches the context and the
					* Dockerfile through (see session.h);
					* the request then has no body */
	ais_event_cb on_event;         /* may be NULL */
	void *event_payload;
	const char *event_tag;         /* the tag events are reported for */
} ais_build_opts;

#define AIS_BUILD_OPTS_INIT { 0 }

#define AIS_BUILD_TAIL_LINES 20

typedef struct {
	ais_buf image_id;    /* "sha256:..." of the built image */
	ais_buf failed_step; /* "Step 3/5 : RUN make" of a failed build */
	ais_buf tail;        /* the last AIS_BUILD_TAIL_LINES lines of output */
	ais_buf log;         /* the whole build output */
	long exit_code;      /* errorDetail.code of a failed RUN, else 0 */
	int steps;           /* number of steps seen ("Step n/m" -> m) */
} ais_build_result;

void ais_build_result_init(ais_build_result *res);
void ais_build_result_dispose(ais_build_result *res);

/* POST /build with forcerm=1.  Success is judged from the JSON stream:
 * an errorDetail line (or an HTTP status other than 200) is AIS_EBUILD
 * with the engine's message; success needs the built image's id.
 * AIS_EINTERRUPTED when the cancel flag stopped it.  AIS_EINVALID, before
 * anything is sent, when BuildKit is asked of podman (which would build
 * with buildah). */
int ais_docker_build(ais_build_result *res, ais_docker *d,
		     const ais_build_opts *opts);

/* Judge a build response body (the engine's JSON lines), fed in pieces of
 * `piece` bytes (0: at once), as ais_docker_build does.  For tests and
 * fuzzing. */
int ais_docker__parse_build_stream(ais_build_result *res, const char *data,
				   size_t len, size_t piece);

/* Low-level request: method, path below the version prefix (e.g.
 * "/images/json?all=1"), optional JSON body.  Fills *status and body. */
int ais_docker_request(long *status, ais_buf *body, ais_docker *d,
		       const char *method, const char *path,
		       const char *json_body);

/* URL-encode `s` onto `out`. */
int ais_docker_urlencode(ais_buf *out, ais_docker *d, const char *s);

/* The engine's {"message": ...} from an error answer (or the start of the
 * body when it has none), trailing newlines removed, in `scratch`. */
const char *ais_docker_error_message(ais_buf *scratch, const ais_buf *body);

/* The string member `key` of a JSON object from the engine, or NULL when
 * `obj` is not an object or the member is absent or not a string. */
const char *ais_docker_json_str(const struct cJSON *obj, const char *key);

/* Pulls and pushes: the engine talks to the registry; progress comes back
 * as JSON lines, reported as AIS_EVENT_TRANSFER_* events. */
typedef struct {
	const char *auth;        /* X-Registry-Auth value; NULL: none ("{}") */
	ais_event_cb on_event;   /* may be NULL */
	void *event_payload;
} ais_transfer_opts;

/* POST /images/create?fromImage=repo&tag=tag.  AIS_ENOTFOUND when the
 * registry has no such image; AIS_ERROR with the engine's message for any
 * other failure (registry unreachable, unauthorised, ...). */
int ais_docker_image_pull(ais_docker *d, const char *repo, const char *tag,
			  const ais_transfer_opts *opts);

/* POST /images/repo/push?tag=tag.  AIS_ERROR with the engine's message. */
int ais_docker_image_push(ais_docker *d, const char *repo, const char *tag,
			  const ais_transfer_opts *opts);

/*
 * Upgraded connections: POST `path` (below the version prefix) asking the
 * engine to switch to protocol `proto` (Upgrade: proto), with the extra
 * header lines `headers` ("Name: value", NULL-terminated).  When the
 * engine answers 101, *out is the raw connection, on a handle and a
 * connection of its own (another ssh for ssh://), usable from another
 * thread than `d`'s.  AIS_ERROR with the engine's status line otherwise.
 */
typedef struct ais_docker_conn ais_docker_conn;

int ais_docker_upgrade(ais_docker_conn **out, ais_docker *d, const char *path,
		       const char *proto, const char *const *headers);

/* What ais_docker_conn_recv() returns when nothing can be read now. */
#define AIS_DOCKER_CONN_AGAIN (-1000)

/* The socket, to poll() on. */
int ais_docker_conn_fd(const ais_docker_conn *c);

/* Are bytes that arrived with the engine's answer still unread (so that
 * a caller must read before it polls)? */
bool ais_docker_conn_pending(const ais_docker_conn *c);

/* Bytes written (0: the socket is full, poll for POLLOUT), or a negative
 * error code. */
ssize_t ais_docker_conn_send(ais_docker_conn *c, const void *buf, size_t len);

/* Bytes read, 0 at the end, AIS_DOCKER_CONN_AGAIN when nothing can be read
 * now (poll for POLLIN), or a negative error code. */
ssize_t ais_docker_conn_recv(ais_docker_conn *c, void *buf, size_t len);

void ais_docker_conn_close(ais_docker_conn *c);

#endif
