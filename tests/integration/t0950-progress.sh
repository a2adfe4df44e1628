#!/bin/sh
# Progress output: one live line on a terminal, plain step lines otherwise,
# the full log with -v, nothing but errors with -q.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || fail "script(1) from bsdutils is needed"
make_foundation one
new_project
mkdir -p "$P/.aishell"
cd "$P"

# A nonce keeps BuildKit's cache (shared by every test on the engine) from
# answering a step without running it.
NONCE=$(date +%s%N)
build() {
	printf 'FROM %s:base\nRUN echo output-of-run-%s | tr a-z A-Z; echo %s\n' "$REPO" "$1" "$NONCE" >"$P/.aishell/Dockerfile"
}

# Not a terminal: plain lines, one per step, no escape sequences.
build plain-legacy
expect_rc 0 env AISHELL_BUILDER=legacy "$AISHELL" ensure
expect_in "$T/err" "$EXT: Step 2/"
expect_not_in "$T/err" "$(printf '\033')"
expect_not_in "$T/err" "OUTPUT-OF-RUN-PLAIN"
build plain-buildkit
expect_rc 0 env AISHELL_BUILDER=buildkit "$AISHELL" ensure
expect_in "$T/err" "$EXT: [2/2] RUN echo output-of-run-plain-buildkit"
expect_not_in "$T/err" "$(printf '\033')"
expect_not_in "$T/err" "OUTPUT-OF-RUN-PLAIN"

for builder in legacy buildkit; do
	# A terminal: one live line redrawn with \r and erase-line.
	build "tty-$builder"
	script -qec "stty cols 100; AISHELL_BUILDER=$builder '$AISHELL' ensure" "$T/tty.log" >/dev/null 2>&1 ||
		fail "ensure on a tty failed"
	expect_in "$T/tty.log" "$(printf '\r\033[K')aishell: $EXT [2/"
	expect_in "$T/tty.log" "] RUN echo output-of-run-tty-$builder"
	expect_in "$T/tty.log" "MB sent"
	expect_in "$T/tty.log" "built $EXT"
	# No live line is longer than the terminal.
	long=$(tr '\r' '\n' <"$T/tty.log" | sed 's/\x1b\[K//g' | grep 'MB sent' | awk 'length > 100' | wc -l)
	expect_eq "$long" 0 "progress lines wider than the terminal"

	# -v: the full build log.
	build "verbose-$builder"
	expect_rc 0 env AISHELL_BUILDER=$builder "$AISHELL" ensure -v
	expect_in "$T/err" "OUTPUT-OF-RUN-VERBOSE-$(echo "$builder" | tr a-z A-Z)"
done

# -q: nothing at all on success.
build quiet
expect_rc 0 ais ensure -q
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "-q printed something"; }
[ ! -s "$T/out" ] || fail "-q printed on stdout"

# A no-op prints nothing either; --check -q stays silent too.
expect_rc 0 ais ensure
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "no-op ensure printed something"; }

# --no-progress: plain step lines even on a terminal.
build noprogress
script -qec "stty cols 100; AISHELL_BUILDER=legacy '$AISHELL' ensure --no-progress" "$T/tty.log" >/dev/null 2>&1 ||
	fail "ensure --no-progress on a tty failed"
expect_not_in "$T/tty.log" "$(printf '\033[K')"
expect_in "$T/tty.log" "$EXT: Step 2/"

# Colour: only the error/warning prefix, only on a terminal, never with NO_COLOR.
script -qec "'$AISHELL' ensure -C /nonexistent-aishell-dir" "$T/tty.log" >/dev/null 2>&1 || true
expect_in "$T/tty.log" "$(printf 'aishell: \033[1;31merror: \033[0m')cannot use project directory"
script -qec "NO_COLOR=1 '$AISHELL' ensure -C /nonexistent-aishell-dir" "$T/tty.log" >/dev/null 2>&1 || true
expect_in "$T/tty.log" "aishell: error: cannot use project directory"
expect_not_in "$T/tty.log" "$(printf '\033[')"
expect_rc 2 ais ensure -C /nonexistent-aishell-dir
expect_not_in "$T/err" "$(printf '\033[')"
