#!/bin/sh
# Base without ~/.aishell/Dockerfile: a plain tag of the foundation,
# re-aliased when the foundation changes or a custom base is left over.
. "$(dirname "$0")/lib.sh"

new_project
cd "$P"

# No foundation: a clear error saying how to get one.
expect_rc 1 ais ensure
expect_in "$T/err" "no image '$REPO:foundation'"
expect_in "$T/err" "aishell setup"
expect_rc 4 ais ensure --check

make_foundation one
F1=$(img_id "$REPO:foundation")
expect_rc 4 ais ensure --check
expect_in "$T/err" "$REPO:base is missing: image not found"
expect_rc 0 ais ensure
expect_eq "$(img_id "$REPO:base")" "$F1" "base is a tag of the foundation"
expect_rc 0 ais ensure --check

# The foundation changes: base is stale (id differs) and is re-tagged.
make_foundation two
F2=$(img_id "$REPO:foundation")
expect_ne "$F1" "$F2"
expect_rc 4 ais ensure --check
expect_rc 4 ais status
f1=${F1#sha256:}
f2=${F2#sha256:}
expect_in "$T/out" "stale: the foundation $REPO:foundation changed (id ${f1%"${f1#????????????}"} -> ${f2%"${f2#????????????}"})"
expect_rc 4 ais status --json
expect_in "$T/out" '"label":	"id"'
expect_rc 0 ais ensure
expect_eq "$(img_id "$REPO:base")" "$F2" "base re-aliased"

# A custom base left over after ~/.aishell/Dockerfile was removed.
mkdir -p "$HOME/.aishell"
printf 'FROM %s:foundation\nRUN echo custom > /custom\n' "$REPO" >"$HOME/.aishell/Dockerfile"
expect_rc 0 ais ensure
CUSTOM=$(img_id "$REPO:base")
expect_ne "$CUSTOM" "$F2" "custom base built"
rm "$HOME/.aishell/Dockerfile"
expect_rc 4 ais ensure --check
expect_in "$T/err" "$REPO:base is stale: ~/.aishell/Dockerfile was removed (aishell.base.dockerfile.hash "
expect_rc 0 ais ensure
expect_eq "$(img_id "$REPO:base")" "$F2" "leftover custom base re-aliased"
# The replaced custom base, now untagged, was removed.
[ -z "$(img_id "$CUSTOM")" ] || fail "replaced custom base $CUSTOM still present"

# --force never builds in alias mode.
expect_rc 0 ais ensure --force
expect_eq "$(img_id "$REPO:base")" "$F2"
