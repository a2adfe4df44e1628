#!/bin/sh
# Content-aware staleness: editing a file that COPY/ADD reads makes the
# image stale (and status names it); editing anything else does not; an
# image without the inputs label (the original's) is judged by its
# Dockerfile alone.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
cd "$P"
mkdir -p .aishell src docs logs
echo 'int a;' >src/a.c
echo 'int b;' >src/b.c
echo 'cfg' >app.cfg
echo 'readme' >docs/README
echo 'log' >logs/x.log
printf 'logs\n' >.dockerignore
printf 'FROM %s:base\nCOPY src /src\nCOPY *.cfg /etc/\n' "$REPO" >.aishell/Dockerfile

expect_rc 0 ais ensure
E1=$(img_id "$EXT")
[ -n "$(label "$EXT" aishell.extension.inputs.hash)" ] || fail "no inputs label"
expect_rc 0 ais ensure --check

# Unrelated edits: still fresh.
echo 'more' >>docs/README
echo 'new' >untracked.txt
echo 'log2' >>logs/x.log
touch src/a.c
expect_rc 0 ais ensure --check

# A COPY'd file: stale, and status names it.
echo 'int b2;' >src/b.c
expect_rc 4 ais ensure --check
expect_in "$T/err" "src/b.c"
expect_rc 4 ais status
expect_in "$T/out" "files read by COPY/ADD/RUN --mount in .aishell/Dockerfile changed: src/b.c"
expect_rc 4 ais status --json
expect_in "$T/out" '"label":	"aishell.extension.inputs.hash"'
expect_rc 0 ais ensure
E2=$(img_id "$EXT")
expect_ne "$E2" "$E1"
expect_eq "$(docker_cli run --rm "$EXT" cat /src/b.c 2>/dev/null)" "int b2;" "rebuilt with the new file"
expect_rc 0 ais ensure --check

# A glob source: a new matching file counts, a non-matching one does not.
echo 'other' >other.cfg
expect_rc 4 ais ensure --check
expect_in "$T/err" "other.cfg"
expect_rc 0 ais ensure
echo 'x' >other.txt
expect_rc 0 ais ensure --check

# The base tier too: a file COPY'd by ~/.aishell/Dockerfile.
mkdir -p "$HOME/.aishell"
echo 'motd v1' >"$HOME/.aishell/motd"
echo 'state' >"$HOME/.aishell/state.edn"
printf 'FROM %s:foundation\nCOPY motd /etc/motd\n' "$REPO" >"$HOME/.aishell/Dockerfile"
expect_rc 0 ais ensure
expect_rc 0 ais ensure --check
echo 'changed' >"$HOME/.aishell/state.edn"
expect_rc 0 ais ensure --check
echo 'motd v2' >"$HOME/.aishell/motd"
expect_rc 4 ais ensure --check
expect_in "$T/err" "$REPO:base is stale: files read by COPY/ADD/RUN --mount in ~/.aishell/Dockerfile changed: motd"
expect_rc 0 ais ensure

# An ext built the original's way (no inputs label) is judged by its
# Dockerfile alone: editing a COPY'd file does not make it stale.
BID=$(img_id "$REPO:base")
docker_cli build -q -f "$P/.aishell/Dockerfile" -t "$EXT" \
	--label=aishell.base.id="$BID" \
	--label=aishell.extension.hash="$(h12_file "$P/.aishell/Dockerfile")" "$P" >/dev/null 2>&1
[ -z "$(label "$EXT" aishell.extension.inputs.hash)" ] || fail "original-built image has the inputs label"
echo 'int b3;' >src/b.c
expect_rc 0 ais ensure --check
