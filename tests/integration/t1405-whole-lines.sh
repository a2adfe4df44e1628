#!/bin/sh
# Every message reaches stderr in one write(): the devcontainer CLI and VS Code timestamp each chunk of an
# initializeCommand's output, so a line written in pieces shows up split. Traced with strace: each write to fd 2
# is a whole "aishell: ...\n" line, for errors, warnings (config.yaml), notes and a usage error. Also: `aishell help X`
# prints X's help, and an unknown option is one line naming it and "see 'aishell X --help'".
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null 2>&1 || fail "strace not found (engine_ensure_packages installs it)"
new_project wl
mkdir -p "$P/.aishell"
printf 'enviroment:\n  A: "1"\nharness_args: {claude: [x]}\n' >"$P/.aishell/config.yaml"

# traced_writes CMD...: the strings CMD wrote to fd 2, one per write() call, in $T/writes.
traced_writes() {
	# LeakSanitizer cannot run under ptrace (it says so on stderr): off for the traced run of an ASan build
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -s 4096 -e trace=write -e signal=none -o "$T/strace" "$@" >/dev/null 2>"$T/err" || true
	grep -E '^([0-9]+ +)?write\(2, ' "$T/strace" >"$T/writes" || true
}

traced_writes "$AISHELL" devcontainer generate -C "$P"
expect_eq "$(grep -c . "$T/writes")" "$(grep -c . "$T/err")" "one write per stderr line"
[ "$(grep -c . "$T/writes")" -ge 3 ] || fail "expected several messages, got: $(cat "$T/err")"
# each write is exactly one line: "aishell: " ... "\n" and no other newline
if grep -v -E '^([0-9]+ +)?write\(2, "aishell: [^"]*\\n", [0-9]+\) = [0-9]+$' "$T/writes" | grep -q .; then
	fail "a message was not written whole: $(grep -v -E '^([0-9]+ +)?write\(2, "aishell: [^"]*\\n", [0-9]+\) = [0-9]+$' "$T/writes" | head -3)"
fi
if grep -E '\\n.+\\n' "$T/writes" | grep -q .; then
	fail "two lines in one write: $(grep -E '\\n.+\\n' "$T/writes" | head -2)"
fi
expect_in "$T/writes" "did you mean 'env'?"

# a usage error: one line, one write, no usage text
traced_writes "$AISHELL" ensure --bogus
expect_eq "$(cat "$T/err")" "aishell: error: unknown option '--bogus'; see 'aishell ensure --help'" "one usage line"
expect_eq "$(grep -c . "$T/writes")" 1 "one write"

# an error from the engine side of ensure
traced_writes env AISHELL_CONNECT_TIMEOUT=bad "$AISHELL" ensure -C "$P"
expect_eq "$(grep -c . "$T/writes")" 1 "one write for the error"
expect_in "$T/writes" 'write(2, "aishell: error: AISHELL_CONNECT_TIMEOUT'

# `aishell help X` is `X --help`, for every command
for c in ensure status prune devcontainer hooks hook; do
	"$AISHELL" "$c" --help >"$T/want" 2>&1
	expect_rc 0 ais help "$c"
	cmp -s "$T/out" "$T/want" || fail "'aishell help $c' differs from 'aishell $c --help'"
done
expect_in "$T/out" "usage: aishell hook"
expect_rc 2 ais help nosuch
expect_eq "$(cat "$T/err")" "aishell: error: unknown command 'nosuch'; see 'aishell help'" "help of an unknown command"

# an unknown option, or one missing its value: one line naming it and where to look, no usage text
for c in ensure prune "devcontainer generate" "hooks install" "hooks status"; do
	# shellcheck disable=SC2086
	expect_rc 2 ais $c --bogus
	expect_eq "$(cat "$T/err")" "aishell: error: unknown option '--bogus'; see 'aishell $c --help'" "$c --bogus"
done
expect_rc 2 ais ensure -C
expect_eq "$(cat "$T/err")" "aishell: error: option '-C' needs a value; see 'aishell ensure --help'" "-C without a value"
expect_rc 2 ais ensure --expect-image
expect_eq "$(cat "$T/err")" "aishell: error: option '--expect-image' needs a value; see 'aishell ensure --help'" "--expect-image without a value"
expect_rc 2 ais ensure --check=1
expect_eq "$(cat "$T/err")" "aishell: error: option '--check' takes no value; see 'aishell ensure --help'" "--check=1"
