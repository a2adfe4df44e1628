#!/bin/sh
# Base built from ~/.aishell/Dockerfile: labels, each staleness rule, --force.
. "$(dirname "$0")/lib.sh"

make_foundation one
F1=$(img_id "$REPO:foundation")
new_project
mkdir -p "$HOME/.aishell"
printf 'FROM %s:foundation\nCOPY hello /hello\nRUN cat /hello > /copied\n' "$REPO" >"$HOME/.aishell/Dockerfile"
echo hello >"$HOME/.aishell/hello"
cd "$P"

expect_rc 4 ais ensure --check
expect_rc 0 ais ensure
B1=$(img_id "$REPO:base")
expect_ne "$B1" "$F1"
expect_eq "$(label "$REPO:base" aishell.base.dockerfile.hash)" "$(h12_file "$HOME/.aishell/Dockerfile")" "dockerfile hash label"
expect_eq "$(label "$REPO:base" aishell.base.foundation.id)" "$F1" "foundation id label"
expect_rc 0 ais ensure --check
expect_rc 0 ais ensure
expect_eq "$(img_id "$REPO:base")" "$B1" "fresh base is not rebuilt"

# Dockerfile edit: stale, with the label named and both values.
printf 'FROM %s:foundation\nCOPY hello /hello\nRUN cat /hello > /copied2\n' "$REPO" >"$HOME/.aishell/Dockerfile"
NEWH=$(h12_file "$HOME/.aishell/Dockerfile")
expect_rc 4 ais ensure --check
expect_rc 4 ais status
expect_in "$T/out" "stale: ~/.aishell/Dockerfile changed (aishell.base.dockerfile.hash "
expect_in "$T/out" " -> $NEWH)"
expect_rc 0 ais ensure
B2=$(img_id "$REPO:base")
expect_ne "$B2" "$B1"
expect_eq "$(label "$REPO:base" aishell.base.dockerfile.hash)" "$NEWH"

# Foundation change: stale through aishell.base.foundation.id.
make_foundation two
F2=$(img_id "$REPO:foundation")
expect_rc 4 ais ensure --check
expect_rc 4 ais status --json
expect_in "$T/out" '"label":	"aishell.base.foundation.id"'
expect_in "$T/out" "\"have\":	\"$F1\""
expect_in "$T/out" "\"want\":	\"$F2\""
expect_rc 0 ais ensure
expect_eq "$(label "$REPO:base" aishell.base.foundation.id)" "$F2"
B3=$(img_id "$REPO:base")

# --force rebuilds without cache even when fresh.
expect_rc 0 ais ensure --force --json
expect_in "$T/out" '"action":	"built"'
B4=$(img_id "$REPO:base")
expect_ne "$B4" "$B3" "--force gives a new image"
expect_eq "$(label "$REPO:base" aishell.base.foundation.id)" "$F2"
