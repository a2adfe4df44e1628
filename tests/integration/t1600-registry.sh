#!/bin/sh
# A registry as the image cache: machine A builds and pushes, machine B (its
# own HOME, its project under another path, same content) pulls the very same
# image instead of building it; a changed input builds; a registry that is
# down is a warning for ensure and an error for --push; the foundation is
# shared through <registry>:foundation; a custom base is pulled too.
. "$(dirname "$0")/lib.sh"
. "$AIS_SRC/tests/lib/registry.sh"

[ -x /usr/bin/docker-registry ] || fail "docker-registry is not installed (tests/lib/engine.sh installs it)"

test_cleanup() {
	registry_stop
	refs=$(docker_cli images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "/$REPO:" || true)
	# shellcheck disable=SC2086
	[ -z "$refs" ] || docker_cli rmi $refs
}

registry_start "$T/registry"
R="$REGISTRY_ADDR/team/$REPO"
export AISHELL_REGISTRY="$R"
tags() { curl -sf "http://$REGISTRY_ADDR/v2/team/$REPO/tags/list" || true; }

make_foundation one
F=$(img_id "$REPO:foundation")

# Machine A and machine B: own homes, projects with the same content under
# different paths.
HA="$T/home-a"
HB="$T/home-b"
mkdir -p "$HA" "$HB" "$T/a" "$T/b"
new_project a/proj
PA=$P
EXTA=$EXT
mkdir -p "$PA/.aishell"
printf 'FROM %s:base\nCOPY data.txt /data.txt\nRUN echo ext > /ext\n' "$REPO" >"$PA/.aishell/Dockerfile"
echo one >"$PA/data.txt"
new_project b/proj
PB=$P
EXTB=$EXT
cp -p "$PA/.aishell/Dockerfile" "$PA/data.txt" "$T" && mkdir -p "$PB/.aishell" &&
	mv "$T/Dockerfile" "$PB/.aishell/Dockerfile" && mv "$T/data.txt" "$PB/data.txt"
expect_ne "$EXTA" "$EXTB" "ext tags of the two paths"

# A: nothing in the registry yet: build, then push under the content key.
HOME=$HA expect_rc 0 ais ensure -C "$PA" --push --no-progress
expect_in "$T/err" "is not in the registry"
expect_in "$T/err" "building $EXTA"
expect_in "$T/err" "pushed $R:ext-"
EA=$(img_id "$EXTA")
[ -n "$EA" ] || fail "A built no ext"
KEY=$(sed -n "s|.*pushed $R:\(ext-[0-9a-f]*\) .*|\1|p" "$T/err")
expect_eq "${#KEY}" 36 "length of ext-<32 hex>"
tags >"$T/tags"
expect_in "$T/tags" "\"$KEY\""
# Nothing machine-specific travels in the image; the machine keeps it.
expect_eq "$(label "$EXTA" aishell.project.dir)" "" "project label on a shared image"
expect_eq "$(cat "$HA/.local/state/aishell/projects/$(h12 "$PA")")" "$PA" "A's project record"
# The registry tag is not left behind locally.
expect_eq "$(img_id "$R:$KEY")" "" "local registry tag after the push"

# B, with A's ext gone from the engine: ensure pulls it; same image id.
docker_cli rmi "$EXTA" >/dev/null
HOME=$HB expect_rc 0 ais ensure -C "$PB" --json --no-progress
expect_in "$T/err" "pulling $R:$KEY"
expect_in "$T/err" "pulled $R:$KEY as $EXTB"
expect_not_in "$T/err" "building"
expect_in "$T/out" '"action":	"pulled"'
expect_eq "$(img_id "$EXTB")" "$EA" "B's ext is A's image"
HOME=$HB expect_rc 0 ais ensure -C "$PB" --check
HOME=$HB expect_rc 0 ais status -C "$PB"
expect_in "$T/out" "ext pulled from $R:$KEY"
expect_in "$T/out" "base aliased to $REPO:foundation"
# Prune keeps it: B knows its project; a machine that knows nothing of it
# (no record, no label) keeps it too.
HOME=$HB expect_rc 0 ais prune
expect_eq "$(img_id "$EXTB")" "$EA" "B's ext after prune"
HOME="$T/home-c" expect_rc 0 ais prune
expect_eq "$(img_id "$EXTB")" "$EA" "B's ext after prune on a machine without records"

# A changed input changes the key: B builds, it does not pull A's image.
echo two >"$PB/data.txt"
HOME=$HB expect_rc 0 ais ensure -C "$PB" --no-progress
expect_in "$T/err" "is not in the registry"
expect_in "$T/err" "building $EXTB"
E2=$(img_id "$EXTB")
expect_ne "$E2" "$EA" "B's ext after a changed input"
HOME=$HB expect_rc 0 ais status -C "$PB"
expect_in "$T/out" "ext built here"

# The foundation: `aishell push` pushes it; a machine without one pulls it.
HOME=$HA expect_rc 0 ais push -C "$PA" --no-progress
expect_in "$T/err" "pushed $R:foundation"
tags >"$T/tags"
expect_in "$T/tags" '"foundation"'
docker_cli rmi "$REPO:foundation" >/dev/null
HOME="$T/home-d" expect_rc 0 ais ensure -C "$PA" --no-progress
expect_in "$T/err" "pulled $R:foundation as $REPO:foundation"
expect_eq "$(img_id "$REPO:foundation")" "$F" "pulled foundation"

# A custom base is keyed by its Dockerfile, inputs and the foundation: A
# pushes base and ext, B pulls both.
for h in "$HA" "$HB"; do
	mkdir -p "$h/.aishell"
	printf 'FROM %s:foundation\nRUN echo custom > /custom\n' "$REPO" >"$h/.aishell/Dockerfile"
done
HOME=$HA expect_rc 0 ais ensure -C "$PA" --push --no-progress
expect_in "$T/err" "pushed $R:base-"
expect_in "$T/err" "pushed $R:ext-"
BA=$(img_id "$REPO:base")
EA2=$(img_id "$EXTA")
docker_cli rmi "$EXTA" >/dev/null
docker_cli tag "$REPO:foundation" "$REPO:base" # B's base is stale (an alias)
expect_ne "$(img_id "$REPO:base")" "$BA"
[ -z "$(img_id "$BA")" ] || docker_cli rmi "$BA" >/dev/null 2>&1 || true
echo one >"$PB/data.txt"
HOME=$HB expect_rc 0 ais ensure -C "$PB" --no-progress
expect_in "$T/err" "pulled $R:base-"
expect_in "$T/err" "pulled $R:ext-"
expect_not_in "$T/err" "building"
expect_eq "$(img_id "$REPO:base")" "$BA" "B's custom base is A's"
expect_eq "$(img_id "$EXTB")" "$EA2" "B's ext on the custom base is A's"
HOME=$HB expect_rc 0 ais ensure -C "$PB" --check

# Which setting wins: AISHELL_REGISTRY, then the project's config.yaml, then
# ~/.aishell/config.yaml; "none" turns it off; a bad value is a usage error.
unset AISHELL_REGISTRY
printf 'registry: 127.0.0.1:1/nothing/here\n' >"$HB/.aishell/config.yaml"
printf 'mounts: []\nregistry: %s\n' "$R" >"$PB/.aishell/config.yaml"
HOME=$HB expect_rc 0 ais status -C "$PB"
expect_in "$T/out" "registry    $R (from $PB/.aishell/config.yaml)"
HOME=$HB AISHELL_REGISTRY=127.0.0.1:2/from/env expect_rc 0 ais status -C "$PB"
expect_in "$T/out" "registry    127.0.0.1:2/from/env (from AISHELL_REGISTRY)"
rm "$PB/.aishell/config.yaml"
HOME=$HB expect_rc 0 ais status -C "$PB"
expect_in "$T/out" "registry    127.0.0.1:1/nothing/here (from $HB/.aishell/config.yaml)"
HOME=$HB AISHELL_REGISTRY=none expect_rc 0 ais status -C "$PB"
expect_not_in "$T/out" "registry    "
HOME=$HB AISHELL_REGISTRY=Not/Valid expect_rc 2 ais ensure -C "$PB"
expect_in "$T/err" "registry 'Not/Valid' (from AISHELL_REGISTRY) is not a valid repository"
printf 'registry: [a]\n' >"$HB/.aishell/config.yaml"
HOME=$HB expect_rc 2 ais ensure -C "$PB"
expect_in "$T/err" "$HB/.aishell/config.yaml:1:11: 'registry' must be a string"
rm "$HB/.aishell/config.yaml"
export AISHELL_REGISTRY="$R"

# The registry is down: one warning naming it, then a local build (exit 0);
# --push fails with exit 1 and leaves the local images fresh.
registry_stop
echo three >"$PB/data.txt"
HOME=$HB expect_rc 0 ais ensure -C "$PB" --no-progress
expect_eq "$(grep -c 'warning:' "$T/err")" 1 "warnings for a registry that is down"
expect_in "$T/err" "warning: $R: cannot use the registry"
expect_in "$T/err" "building $EXTB"
HOME=$HB expect_rc 0 ais ensure -C "$PB" --check
echo four >"$PB/data.txt"
HOME=$HB expect_rc 1 ais ensure -C "$PB" --push --no-progress
expect_in "$T/err" "error: cannot push to the registry $R"
HOME=$HB expect_rc 0 ais ensure -C "$PB" --check

# -q: nothing but errors, even with pulls and pushes going on.
HOME=$HB expect_rc 1 ais push -q -C "$PB"
expect_eq "$(grep -vc '^aishell: error:' "$T/err")" 0 "lines other than errors with -q"
