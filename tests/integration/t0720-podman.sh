#!/bin/sh
# podman's Docker-compatible API as the engine: a private `podman system
# service` (vfs storage, its own root, runroot and socket in the test's
# directory) serves ensure, ensure --check, status, the hooks' check and
# prune (of ext images; see below for untagged ones).  Builds go through buildah as the legacy builder, and that is the
# builder the images are labelled with; BuildKit asked of podman is refused
# before anything is built.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/engine.sh
. "$AIS_SRC/tests/lib/engine.sh"

command -v podman >/dev/null || fail "no podman (engine_ensure_packages installs it)"

# The service: nothing outside $T/podman (no network namespace for RUN, so
# no bridge or firewall rules on the host; events in a file, not journald).
PD=$T/podman
mkdir -p "$PD/tmp"
cat >"$PD/containers.conf" <<EOF
[containers]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PD/events.log"
EOF
CONTAINERS_CONF=$PD/containers.conf podman --storage-driver=vfs --root "$PD/root" \
	--runroot "$PD/runroot" --tmpdir "$PD/tmp" system service --time=0 \
	"unix://$PD/podman.sock" >"$PD/service.log" 2>&1 </dev/null &
PODMAN_PID=$!
SERVER_PIDS=$PODMAN_PID
i=0
until curl -sf --unix-socket "$PD/podman.sock" http://localhost/_ping >/dev/null 2>&1; do
	kill -0 "$PODMAN_PID" 2>/dev/null || { cat "$PD/service.log" >&2; fail "podman service exited"; }
	[ $i -lt 600 ] || { cat "$PD/service.log" >&2; fail "podman service does not answer"; }
	sleep 0.1
	i=$((i + 1))
done
curl -si --unix-socket "$PD/podman.sock" http://localhost/_ping | grep -qi '^Libpod-Api-Version:' ||
	fail "the service does not say it is podman"

# From here on every engine call of the test (and of its helpers) is podman.
DOCKER_HOST=unix://$PD/podman.sock
export DOCKER_HOST

# No pulls: the foundation is built inside podman from a scratch context.
engine_make_foundation "$REPO" >/dev/null || fail "cannot build the foundation in podman"
FID=$(img_id "$REPO:foundation")

git_setup
new_git_project pod
commit_branch two main two
git -C "$P" checkout -q main
cd "$P"

# ensure: base is a tag of the foundation, the ext is built by buildah.
expect_rc 4 ais ensure --check
expect_in "$T/err" "$EXT"
expect_rc 0 ais ensure
expect_eq "$(img_id "$REPO:base")" "$FID" "base is foundation"
[ -n "$(img_id "$EXT")" ] || fail "$EXT was not built"
expect_eq "$(label "$EXT" aishell.builder)" legacy "builder label"
[ -n "$(label "$EXT" io.buildah.version)" ] || fail "$EXT was not built by buildah"
expect_eq "$(cat "$HOME/.local/state/aishell/projects/$(h12 "$P")")" "$P" "project record"
expect_rc 0 ais ensure --check
expect_rc 0 ais status
expect_in "$T/out" "engine      $DOCKER_HOST (API"
expect_in "$T/out" "builds with legacy"
expect_in "$T/out" "fresh (.aishell/Dockerfile; built with legacy)"
expect_rc 0 ais status --json
expect_in "$T/out" '"builder":	"legacy"'

# The hooks' check: a checkout that changes the Dockerfile warns, against
# podman as against Docker; back on main it is silent.
m=$(git rev-parse --short=7 main)
t=$(git rev-parse --short=7 two)
git checkout -q two
expect_rc 0 ais hook post-checkout "$(git rev-parse main)" "$(git rev-parse two)" 1
expect_in "$T/err" "aishell: $EXT is stale: .aishell/Dockerfile changed (aishell.extension.hash "
expect_in "$T/err" "; changed in $m..$t; run 'aishell ensure' to rebuild"
expect_rc 4 ais ensure --check
git checkout -q main
expect_rc 0 ais hook post-checkout "$(git rev-parse two)" "$(git rev-parse main)" 1
expect_eq "$(cat "$T/err")" "" "fresh after the checkout back"

# BuildKit forced on podman: refused before building, the image untouched.
git checkout -q two
OLD=$(img_id "$EXT")
expect_rc 2 env AISHELL_BUILDER=buildkit "$AISHELL" ensure
expect_in "$T/err" "AISHELL_BUILDER is 'buildkit', but the engine at "
expect_in "$T/err" " is podman, which builds with buildah, not BuildKit; use legacy or auto"
expect_eq "$(img_id "$EXT")" "$OLD" "image after the refused build"
expect_eq "$(label "$EXT" aishell.builder)" legacy "builder label after the refused build"

# prune: the ext of a project that is gone goes (podman names it
# docker.io/library/<repo>:ext-...), the live chain stays.  (A replaced
# image stays behind untagged: podman does not count buildah's untagged
# images as dangling, so prune does not see it.)
expect_rc 0 ais ensure
expect_ne "$(img_id "$EXT")" "$OLD" "rebuilt image"
LIVE=$EXT
new_project gone
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN echo gone > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 0 ais ensure -C "$P"
GONE=$EXT
rm -rf "$P"
expect_rc 0 ais prune --dry-run
expect_in "$T/out" "would remove $GONE: project directory no longer exists"
[ -n "$(img_id "$GONE")" ] || fail "dry run removed $GONE"
expect_rc 0 ais prune
expect_in "$T/out" "$GONE"
[ -z "$(img_id "$GONE")" ] || fail "$GONE not removed"
[ -n "$(img_id "$LIVE")" ] || fail "prune removed the live $LIVE"
expect_eq "$(img_id "$REPO:foundation")" "$FID" "foundation after prune"
expect_eq "$(img_id "$REPO:base")" "$FID" "base after prune"
