#!/bin/sh
# A failed build exits 1, prints the failing step and its own output, keeps
# the previous tag, and leaves no container behind -- with either builder.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
cd "$P"

for builder in legacy buildkit; do
	export AISHELL_BUILDER=$builder
	mkdir -p "$P/.aishell"
	printf 'FROM %s:base\nRUN echo good-%s > /ext\n' "$REPO" "$builder" >"$P/.aishell/Dockerfile"
	expect_rc 0 ais ensure
	GOOD=$(img_id "$EXT")
	expect_eq "$(label "$EXT" aishell.builder)" "$builder" "builder label"
	BEFORE=$(count_containers)

	printf 'FROM %s:base\nRUN echo first-line-%s | tr a-z A-Z; echo the-reason-it-broke >&2; exit 3\n' \
		"$REPO" "$builder" >"$P/.aishell/Dockerfile"
	expect_rc 1 ais ensure
	expect_in "$T/err" "RUN echo first-line-$builder"
	expect_in "$T/err" "the-reason-it-broke"
	expect_in "$T/err" "FIRST-LINE-$(echo "$builder" | tr a-z A-Z)"
	if [ "$builder" = legacy ]; then
		expect_in "$T/err" "returned a non-zero code: 3"
		expect_in "$T/err" "failing step: Step 2/"
	else
		expect_in "$T/err" "exit code: 3"
		expect_in "$T/err" "failing step: [2/2] RUN"
	fi
	expect_eq "$(img_id "$EXT")" "$GOOD" "failed $builder build keeps the old tag"
	expect_eq "$(count_containers)" "$BEFORE" "no container left behind"
	expect_rc 4 ais ensure --check

	# -q: errors only, still the reason.
	expect_rc 1 ais ensure -q
	expect_in "$T/err" "exit"
	expect_not_in "$T/err" "building"

	# -v: the full build log.
	expect_rc 1 ais ensure -v
	expect_in "$T/err" "FIRST-LINE"

	# A Dockerfile the engine refuses to parse.
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
	printf 'FROM %s:base\nRUN echo fixed-%s > /ext\n' "$REPO" "$builder" >"$P/.aishell/Dockerfile"
	expect_rc 0 ais ensure
	expect_ne "$(img_id "$EXT")" "$GOOD"
done

# BuildKit-only syntax builds with BuildKit and fails clearly with legacy.
printf 'FROM %s:base\nRUN --mount=type=cache,target=/cache echo cached > /cache/x && cat /cache/x\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 1 env AISHELL_BUILDER=legacy "$AISHELL" ensure
expect_in "$T/err" "requires BuildKit"
expect_rc 0 env AISHELL_BUILDER=buildkit "$AISHELL" ensure
expect_eq "$(label "$EXT" aishell.builder)" buildkit
expect_rc 2 env AISHELL_BUILDER=bogus "$AISHELL" ensure
expect_in "$T/err" "AISHELL_BUILDER"
