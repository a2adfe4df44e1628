#!/bin/sh
# devcontainer generate, proven with the real @devcontainers/cli and the real engine: `up` runs the fresh ext
# image (through the CLI's derived -uid image: remoteUser is developer), the workspace is at the host path, env,
# mounts, docker_args, pre_start from the config and the git identity (a per-user file, never in the JSON) are
# there. A Dockerfile change: the next plain `up` rebuilds and runs a new container on the new image. A
# config.yaml env change: the next plain `up` fails in one whole log line, having regenerated the file, and the
# `up` after it runs a new container with the new env. With `devcontainer: {on_change: fail}` an outdated
# container makes `up` fail in one line instead. User keys survive regeneration. Every container and image made
# is removed.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/dc.sh
. "$AIS_SRC/tests/lib/dc.sh"
new_project dcproj
UIDIMG="vsc-$(basename "$P")-$(printf '%s' "$P" | sha256sum | cut -c1-64)-uid"
SEEN_IMAGES=

test_cleanup() {
	for c in $(docker_cli ps -aq --filter "label=devcontainer.local_folder=$P"); do
		docker_cli rm -f "$c"
	done
	docker_cli rmi "$UIDIMG" || true
	# shellcheck disable=SC2086
	for i in $SEEN_IMAGES; do docker_cli rmi "$i" || true; done
}

mkdir -p "$P/.aishell" "$T/share"
echo shared-data >"$T/share/file"
printf 'FROM %s:base\nRUN echo one > /ext-mark\n' "$REPO" >"$P/.aishell/Dockerfile"
cat >"$P/.aishell/config.yaml" <<EOF
# odd YAML on purpose: unquoted number and boolean, a passthrough, \$HOME
env:
  GREETING: hello world
  ANSWER: 42
  FLAG: true
  HOST_HOME: \$HOME
  PASSED:
mounts:
  - $T/share:/mnt/share:ro
docker_args: --label aishell.test.arg=1
pre_start:
  - echo started > /tmp/pre-start-mark
harness_args: {claude: [--model, x]}
EOF
printf '[user]\n\tname = Test Person\n\temail = test@example.com\n' >"$HOME/.gitconfig"
export PASSED=from-host

# container_of: the project's dev container (exactly one).
container_of() {
	ids=$(docker_cli ps -aq --no-trunc --filter "label=devcontainer.local_folder=$P")
	[ "$(printf '%s\n' "$ids" | grep -c .)" = 1 ] || fail "expected one dev container, got: $ids"
	echo "$ids"
}

layers() { docker_cli image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$1"; }

# runs_on C IMAGE_ID: container C runs IMAGE_ID, or an image built on it (the -uid image).
runs_on() {
	ci=$(docker_cli inspect -f '{{.Image}}' "$1")
	SEEN_IMAGES="$ci $SEEN_IMAGES"
	[ "$ci" = "$2" ] && return 0
	case $(layers "$ci") in
		"$(layers "$2")"*) ;;
		*) fail "container $1 runs $ci ($(layers "$ci")), which is not built on $2 ($(layers "$2"))" ;;
	esac
	[ "$(docker_cli inspect -f '{{.Config.Image}}' "$1")" = "$UIDIMG" ] ||
		fail "container $1 runs $(docker_cli inspect -f '{{.Config.Image}}' "$1"), expected $UIDIMG"
}

dc_exec() { dc exec --workspace-folder "$P" "$@" 2>"$T/exec-err"; }

# wait_for FILE: poll (10 s) until FILE exists in the dev container.
wait_for() {
	i=0
	while ! dc_exec test -e "$1"; do
		i=$((i + 1))
		[ $i -lt 40 ] || fail "$1 never appeared in the dev container"
		sleep 0.25
	done
}

# 1. generate; the file is current; the ext does not exist yet.
expect_rc 0 ais devcontainer generate -C "$P"
F="$P/.devcontainer/devcontainer.json"
[ -f "$F" ] || fail "no $F"
expect_in "$T/err" "wrote $F"
expect_in "$T/err" "'harness_args' has no devcontainer equivalent"
expect_in "$F" "\"image\": \"$EXT\""
expect_in "$F" '"remoteUser": "developer"'
expect_not_in "$F" "Test Person"
expect_not_in "$F" "test@example.com"
expect_in "$P/.devcontainer/.gitignore" "/devcontainer.json"
expect_rc 0 ais devcontainer generate -C "$P" --check
[ -z "$(img_id "$EXT")" ] || fail "ext exists before up"

# 2. up: initializeCommand builds the ext, the container runs it.
expect_rc 0 dc up --workspace-folder "$P"
expect_in "$T/out" '"outcome":"success"'
E1=$(img_id "$EXT")
[ -n "$E1" ] || fail "initializeCommand did not build $EXT"
SEEN_IMAGES="$E1"
C1=$(container_of)
runs_on "$C1" "$E1"
expect_rc 0 ais ensure -C "$P" --check

expect_rc 0 dc_exec sh -c 'pwd; cat /ext-mark; id -un'
expect_eq "$(sed -n 1p "$T/out")" "$P" "workspace folder"
expect_eq "$(sed -n 2p "$T/out")" "one" "ext content"
expect_eq "$(sed -n 3p "$T/out")" "developer" "remote user"
expect_rc 0 dc_exec sh -c 'echo "G=$GREETING|A=$ANSWER|F=$FLAG|H=$HOST_HOME|P=$PASSED"'
expect_eq "$(cat "$T/out")" "G=hello world|A=42|F=true|H=$HOME|P=from-host" "config env"
expect_rc 0 dc_exec sh -c 'cat "$GIT_CONFIG_SYSTEM"'
expect_in "$T/out" 'name = "Test Person"'
expect_in "$T/out" 'email = "test@example.com"'
expect_in "$T/out" 'path = /etc/gitconfig'
# the identity file is mounted live: a changed identity reaches the running container on the next up
printf '[user]\n\tname = Other Person\n\temail = other@example.com\n' >"$HOME/.gitconfig"
expect_rc 0 dc up --workspace-folder "$P"
expect_eq "$(container_of)" "$C1" "an identity change keeps the container"
expect_rc 0 dc_exec sh -c 'cat "$GIT_CONFIG_SYSTEM"'
expect_in "$T/out" 'name = "Other Person"'
expect_not_in "$F" "Other Person"
expect_rc 0 dc_exec cat /mnt/share/file
expect_eq "$(cat "$T/out")" "shared-data" "config mount"
expect_rc 1 dc_exec touch /mnt/share/new
expect_eq "$(docker_cli inspect -f '{{index .Config.Labels "aishell.test.arg"}}' "$C1")" 1 "docker_args"
wait_for /tmp/pre-start.done
expect_rc 0 dc_exec cat /tmp/pre-start-mark
expect_eq "$(cat "$T/out")" "started" "pre_start"
[ -d "$P" ] && [ -f "$P/.aishell/Dockerfile" ] || fail "project changed"

# 3. Dockerfile change: the next plain up rebuilds the ext, removes the outdated container and makes a new one.
printf 'FROM %s:base\nRUN echo two > /ext-mark\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 4 ais ensure -C "$P" --check
expect_in "$T/err" "$EXT is stale: "
expect_rc 0 dc up --workspace-folder "$P" --log-format json
E2=$(img_id "$EXT")
SEEN_IMAGES="$E2 $SEEN_IMAGES"
expect_ne "$E2" "$E1" "initializeCommand rebuilt the ext"
# every aishell line is one log entry (one write), not "aishell: " and the text apart
expect_in "$T/err" '"text":"aishell: removed dev container '
expect_not_in "$T/err" '"text":"aishell: "'
C2=$(container_of)
expect_ne "$C2" "$C1" "outdated container replaced"
runs_on "$C2" "$E2"
expect_rc 0 dc_exec cat /ext-mark
expect_eq "$(cat "$T/out")" "two" "new container on the new image"
[ -z "$(img_id "$E1")" ] || fail "the old ext image $E1 was left behind"
expect_rc 0 ais ensure -C "$P" --check

# 4. a config.yaml env change: ensure --check names it; the next plain up fails in one line having regenerated
# the file (the CLI read it before initializeCommand); the up after that makes a new container with the new env.
# A key the user added (and a comment) survive the regeneration.
sed -i '1a\
	// added by hand\
	"postCreateCommand": "echo kept > /tmp/user-key",' "$F"
expect_rc 0 ais devcontainer generate -C "$P"
expect_in "$F" '"postCreateCommand": "echo kept > /tmp/user-key"'
expect_not_in "$F" "added by hand"
sed -i 's/GREETING: hello world/GREETING: good morning/' "$P/.aishell/config.yaml"
expect_rc 4 ais ensure -C "$P" --check
expect_in "$T/err" "devcontainer.json is out of date: regenerating would change containerEnv"
expect_in "$T/err" "dev container $(docker_cli inspect -f '{{.Name}}' "$C2" | cut -c2-) is outdated: it was made from another configuration (containerEnv differ)"
expect_rc 1 dc up --workspace-folder "$P" --log-format json
expect_in "$T/out" '"outcome":"error"'
expect_in "$T/err" "\"text\":\"aishell: error: $F was out of date (containerEnv); it is regenerated now: run 'devcontainer up' again"
expect_in "$F" '"GREETING": "good morning"'
expect_in "$F" '"postCreateCommand": "echo kept > /tmp/user-key"'
expect_eq "$(container_of)" "$C2" "a failed up touches no container"
expect_rc 0 dc up --workspace-folder "$P"
expect_in "$T/err" "removed dev container"
expect_in "$T/err" "it was made from another configuration (containerEnv differ)"
C3=$(container_of)
expect_ne "$C3" "$C2" "container outdated by configuration replaced"
runs_on "$C3" "$E2"
expect_rc 0 dc_exec sh -c 'echo "$GREETING"; cat /tmp/user-key'
expect_eq "$(cat "$T/out")" "good morning
kept" "new env and the user's key in the new container"
expect_rc 0 ais ensure -C "$P" --check

# 5. on_change: fail, recorded in config.yaml (so regenerating keeps it): an outdated container fails up in one
# line and is kept; removing it as told makes the next up work.
printf 'devcontainer:\n  on_change: fail\n' >>"$P/.aishell/config.yaml"
expect_rc 0 ais devcontainer generate -C "$P" --check
printf 'FROM %s:base\nRUN echo three > /ext-mark\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 1 dc up --workspace-folder "$P"
E3=$(img_id "$EXT")
SEEN_IMAGES="$E3 $SEEN_IMAGES"
expect_ne "$E3" "$E2"
expect_in "$T/err" "is outdated: it runs"
expect_in "$T/err" "remove it (docker rm -f"
expect_eq "$(container_of)" "$C3" "on_change: fail keeps the container"
expect_rc 0 docker_cli rm -f "$C3"
expect_rc 0 dc up --workspace-folder "$P"
C4=$(container_of)
runs_on "$C4" "$E3"
expect_rc 0 dc_exec cat /ext-mark
expect_eq "$(cat "$T/out")" "three"

# 6. a moved project: ensure refuses the image the file names.
expect_rc 1 ais ensure -C "$P" --expect-image "$REPO:ext-000000000000"
expect_in "$T/err" "run 'aishell devcontainer generate'"

# Cleanup check: after removing the container and the derived image, nothing of ours is left but the chain.
test_cleanup >/dev/null 2>&1
expect_eq "$(docker_cli ps -aq --filter "label=devcontainer.local_folder=$P")" "" "containers removed"
[ -z "$(img_id "$UIDIMG")" ] || fail "$UIDIMG left behind"
