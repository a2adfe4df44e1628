#!/bin/sh
# Project extension: build, labels, each staleness rule, the cascade
# foundation -> base -> ext, .sandbox, both dirs, --force.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN echo one > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
cd "$P"

expect_rc 4 ais ensure --check
expect_in "$T/err" "$EXT is missing: image not found"
expect_rc 0 ais ensure
E1=$(img_id "$EXT")
[ -n "$E1" ] || fail "ext image $EXT not built"
B1=$(img_id "$REPO:base")
expect_eq "$(label "$EXT" aishell.base.id)" "$B1" "aishell.base.id label"
expect_eq "$(label "$EXT" aishell.extension.hash)" "$(h12_file "$P/.aishell/Dockerfile")" "aishell.extension.hash label"
expect_rc 0 ais ensure --check

# -C from elsewhere names the same project (and a symlinked path resolves).
ln -s "$P" "$T/link"
cd /
expect_rc 0 ais ensure --check -C "$T/link"
expect_rc 0 ais status -C "$T/link" --json
expect_in "$T/out" "\"tag\":	\"$EXT\""
cd "$P"

# Dockerfile edit.
printf 'FROM %s:base\nRUN echo two > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 4 ais ensure --check
expect_in "$T/err" "is stale: .aishell/Dockerfile changed (aishell.extension.hash "
expect_rc 0 ais ensure
E2=$(img_id "$EXT")
expect_ne "$E2" "$E1"
[ -z "$(img_id "$E1")" ] || fail "replaced ext image $E1 still present"

# Cascade: a new foundation re-aliases base, which makes ext stale.
make_foundation two
expect_rc 4 ais ensure --check
expect_rc 4 ais status
expect_in "$T/out" "$EXT"
expect_rc 0 ais ensure --json
expect_in "$T/out" '"action":	"tagged"'
expect_in "$T/out" '"action":	"built"'
B2=$(img_id "$REPO:base")
expect_ne "$B2" "$B1"
expect_eq "$(label "$EXT" aishell.base.id)" "$B2" "ext rebuilt on the new base"
E3=$(img_id "$EXT")
expect_rc 0 ais ensure --check

# A base re-tagged by someone else: ext stale through aishell.base.id.
docker_cli tag "$REPO:foundation" "$REPO:other"
printf 'FROM %s:foundation\nRUN echo custom > /c\n' "$REPO" >"$T/df"
docker_cli build -q -t "$REPO:base" -f "$T/df" "$T" >/dev/null
expect_rc 4 ais ensure --check
expect_rc 4 ais status --json
expect_in "$T/out" '"label":	"aishell.base.id"'
expect_rc 0 ais ensure
expect_eq "$(label "$EXT" aishell.base.id)" "$(img_id "$REPO:base")"

# --force rebuilds the ext even when fresh.
E4=$(img_id "$EXT")
expect_rc 0 ais ensure --force
expect_ne "$(img_id "$EXT")" "$E4" "--force rebuilt ext"

# .sandbox works the same way; both present is an error.
new_project sandboxed
mkdir -p "$P/.sandbox"
printf 'FROM %s:base\nRUN echo sandbox > /s\n' "$REPO" >"$P/.sandbox/Dockerfile"
expect_rc 0 ais ensure -C "$P"
expect_eq "$(label "$EXT" aishell.extension.hash)" "$(h12_file "$P/.sandbox/Dockerfile")"
mkdir "$P/.aishell"
expect_rc 1 ais ensure -C "$P"
expect_in "$T/err" "found both .aishell/ and .sandbox/"

# No project Dockerfile: no ext, base only.
new_project plain
expect_rc 0 ais ensure -C "$P" --json
expect_not_in "$T/out" '"tier":	"ext"'
