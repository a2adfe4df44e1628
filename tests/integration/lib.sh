# Shared setup for the integration tests; sourced by tNNNN-*.sh.
#
# Each test gets its own image repository (AISHELL_IMAGE_REPO), its own HOME
# and project directories, and removes every image it created on exit.  The
# engine is the one DOCKER_HOST (or the default socket) names: tests/run.sh
# starts a private one when none is reachable.  A test that needs no engine
# sets AIS_TEST_NO_ENGINE=1 before sourcing this file: then no engine is
# asked for, and the clean-up touches none.
set -eu

: "${AISHELL:?AISHELL must name the aishell binary (ctest sets it)}"
: "${AIS_SRC:?AIS_SRC must name the source tree (ctest sets it)}"

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/ais-it.XXXXXX")
T=$(cd "$T" && pwd -P)
REPO="aistest-$(printf '%s' "$TEST_NAME-$$" | sha256sum | cut -c1-8)"
export AISHELL_IMAGE_REPO="$REPO"
export HOME="$T/home"
unset XDG_STATE_HOME XDG_CACHE_HOME XDG_CONFIG_HOME DOCKER_CONTEXT DOCKER_CONFIG AISHELL_BUILDER \
	AISHELL_TIMEOUT AISHELL_CONNECT_TIMEOUT AISHELL_BUILD_TIMEOUT AISHELL_BIN AISHELL_HOOKS
export DOCKER_BUILDKIT=0
mkdir -p "$HOME"

docker_cli() { command docker "$@"; }

if [ -z "${AIS_TEST_NO_ENGINE:-}" ] && ! docker_cli version >/dev/null 2>&1; then
	rm -rf "$T"
	echo "$TEST_NAME: no Docker engine reachable at ${DOCKER_HOST:-unix:///var/run/docker.sock}; run tests/run.sh, which starts one" >&2
	exit 1
fi

# Servers a test starts in the background (sshd, podman): add their pids to
# SERVER_PIDS; they are stopped, by pid, on exit.
SERVER_PIDS=

cleanup() {
	rc=$?
	set +e # best effort: an engine that is gone must not stop the clean-up
	# a test that creates more than images (containers, ...) defines test_cleanup
	if command -v test_cleanup >/dev/null 2>&1; then
		test_cleanup >/dev/null 2>&1 || true
	fi
	for pid in $SERVER_PIDS; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -z "${AIS_TEST_NO_ENGINE:-}" ] || { rm -rf "$T"; report "$rc"; }
	cids=$(docker_cli ps -a -q --filter "name=$REPO" 2>/dev/null)
	if [ -n "$cids" ]; then
		# shellcheck disable=SC2086
		docker_cli rm -f $cids >/dev/null 2>&1 || true
	fi
	# Remove by tag, never `rmi -f <id>`: identical scratch foundations share
	# one id across repositories, and -f would untag other tests' images.
	refs=$(docker_cli images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$REPO" 2>/dev/null)
	if [ -n "$refs" ]; then
		# shellcheck disable=SC2086
		docker_cli rmi $refs >/dev/null 2>&1 || true
	fi
	ids=$(docker_cli images -q --filter dangling=true --filter "label=aishell.repo=$REPO" 2>/dev/null | sort -u)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		docker_cli rmi $ids >/dev/null 2>&1 || true
	fi
	rm -rf "$T"
	report "$rc"
}

# report RC: the test's last line, and its exit status.
report() {
	if [ "$1" = 0 ]; then
		echo "$TEST_NAME: ok"
	else
		echo "$TEST_NAME: FAILED (exit $1)"
	fi
	exit "$1"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run CMD...: run with output captured in $T/out and $T/err, status in $RC.
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
}

# expect_rc N CMD...: run and require exit status N.
expect_rc() {
	want=$1
	shift
	run "$@"
	if [ "$RC" != "$want" ]; then
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "expected exit $want, got $RC: $*"
	fi
}

# expect_in FILE TEXT: FILE ($T/out or $T/err) contains TEXT.
expect_in() {
	grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "'$2' not in $(basename "$1")"; }
}

expect_not_in() {
	if grep -qF -- "$2" "$1"; then cat "$1" >&2; fail "'$2' unexpectedly in $(basename "$1")"; fi
}

expect_eq() {
	[ "$1" = "$2" ] || fail "${3:-values differ}: '$1' != '$2'"
}

expect_ne() {
	[ "$1" != "$2" ] || fail "${3:-values equal}: '$1'"
}

ais() { "$AISHELL" "$@"; }

h12() { printf '%s' "$1" | sha256sum | cut -c1-12; }

h12_file() { sha256sum <"$1" | cut -c1-12; }

img_id() { docker_cli image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

label() { docker_cli image inspect -f "{{index .Config.Labels \"$2\"}}" "$1"; }

# make_foundation [MARK]: build $REPO:foundation FROM scratch with busybox;
# a different MARK gives a different image id. The last layer names $REPO, so
# no other test (or other checkout's test) shares this test's image ids and
# count_containers can tell its containers apart.
make_foundation() {
	ctx="$T/foundation-ctx"
	rm -rf "$ctx"
	mkdir -p "$ctx"
	cp /bin/busybox "$ctx/busybox"
	printf 'root:x:0:0:root:/root:/bin/sh\ndeveloper:x:1000:1000::/home/developer:/bin/sh\n' >"$ctx/passwd"
	printf '%s\n' "${1:-one}" >"$ctx/mark"
	printf '%s\n' "$REPO" >"$ctx/repo"
	cat >"$ctx/Dockerfile" <<-'DF'
	FROM scratch
	COPY busybox /bin/busybox
	COPY passwd /etc/passwd
	COPY mark /foundation-mark
	RUN ["/bin/busybox", "--install", "-s", "/bin"]
	COPY repo /foundation-repo
	DF
	docker_cli build -q -t "$REPO:foundation" "$ctx" >/dev/null 2>"$T/build-err" ||
		{ cat "$T/build-err" >&2; fail "cannot build the test foundation"; }
}

# new_project NAME: a project directory (physical path) in $P.
new_project() {
	P="$T/${1:-project}"
	mkdir -p "$P"
	P=$(cd "$P" && pwd -P)
	EXT="$REPO:ext-$(h12 "$P")"
}

# count_containers: containers (any state) made from this test's images: its foundation and everything
# built on it, including a legacy build's intermediate containers. (Other tests' containers do not count.)
count_containers() {
	docker_cli ps -a -q --filter "ancestor=$REPO:foundation" | wc -l
}

# ---- git helpers (hooks tests) ----

# git_setup: an identity and quiet defaults in the test's own HOME. It also moves to $T and stops git's
# repository discovery there, so a git command that forgets -C can never touch the source tree (ctest
# runs tests inside the build directory, inside the aishell checkout).
git_setup() {
	cd "$T"
	GIT_CEILING_DIRECTORIES=$T
	export GIT_CEILING_DIRECTORIES
	git config --global user.name aishell-test
	git config --global user.email test@example.invalid
	git config --global init.defaultBranch main
	git config --global advice.detachedHead false
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
}

# ext_dockerfile TEXT: write $P/.aishell/Dockerfile FROM this test's base.
ext_dockerfile() {
	mkdir -p "$P/.aishell"
	printf 'FROM %s:base\nRUN echo %s > /ext\n' "$REPO" "$1" >"$P/.aishell/Dockerfile"
}

# new_git_project NAME: a repository in $P with .aishell/Dockerfile ("one") committed on main.
new_git_project() {
	new_project "$1"
	git -C "$P" init -q
	ext_dockerfile one
	echo readme >"$P/README"
	git -C "$P" add -A
	git -C "$P" commit -qm one
}

# commit_branch BRANCH FROM TEXT: branch BRANCH off FROM with the ext Dockerfile saying TEXT
# (or, with TEXT "-", only a README change).
commit_branch() {
	git -C "$P" checkout -q -b "$1" "$2"
	if [ "$3" = - ]; then echo "$1" >>"$P/README"; else ext_dockerfile "$3"; fi
	git -C "$P" commit -qam "$1"
}

# render_shim BIN: the shim text install writes, from the template file.
render_shim() {
	q=$(printf '%s' "$1" | sed "s/'/'\\\\''/g")
	Q=$q awk '{ i = index($0, "@AISHELL_BIN@"); if (i) $0 = substr($0, 1, i - 1) ENVIRON["Q"] substr($0, i + 13); print }' \
		"$AIS_SRC/hooks/shim.sh"
}
