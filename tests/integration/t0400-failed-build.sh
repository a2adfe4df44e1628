#!/bin/sh
# A failed build exits 1, prints the failing step and its output, keeps the
# previous tag, and leaves no container behind.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN echo good > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
cd "$P"
expect_rc 0 ais ensure
GOOD=$(img_id "$EXT")
BEFORE=$(count_containers)

printf 'FROM %s:base\nRUN echo first-line; echo the-reason-it-broke >&2; exit 3\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 1 ais ensure
expect_in "$T/err" "RUN echo first-line"
expect_in "$T/err" "returned a non-zero code: 3"
expect_in "$T/err" "the-reason-it-broke"
expect_in "$T/err" "failing step: Step 2/"
expect_eq "$(img_id "$EXT")" "$GOOD" "failed build keeps the old tag"
expect_eq "$(count_containers)" "$BEFORE" "no container left behind"
expect_rc 4 ais ensure --check

# -q: errors only, still the reason.
expect_rc 1 ais ensure -q
expect_in "$T/err" "returned a non-zero code: 3"
expect_not_in "$T/err" "building"

# -v: the full build log.
expect_rc 1 ais ensure -v
expect_in "$T/err" "first-line"

# A Dockerfile the engine refuses to parse (HTTP 400, not a stream error).
printf 'FROM %s:base\nFOO bar\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 1 ais ensure
expect_in "$T/err" "unknown instruction"
expect_eq "$(img_id "$EXT")" "$GOOD"

# COPY of a missing file.
printf 'FROM %s:base\nCOPY nope /nope\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 1 ais ensure
expect_in "$T/err" "nope"
expect_eq "$(img_id "$EXT")" "$GOOD"

# Fixed again: builds.
printf 'FROM %s:base\nRUN echo fixed > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 0 ais ensure
expect_ne "$(img_id "$EXT")" "$GOOD"
