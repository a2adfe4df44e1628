#!/bin/sh
# Hostile input: project paths with spaces, quotes, $(...), a newline and
# non-ASCII; a fifo in the context; an unreadable file; a 10 MB Dockerfile.
. "$(dirname "$0")/lib.sh"

: "${FAKE_ENGINE:?FAKE_ENGINE must name the fake_engine binary (ctest sets it)}"
make_foundation one

check_path() { # a project at an odd path builds, with the right tag and project record
	P=$1
	mkdir -p "$P/.aishell"
	P=$(cd "$P" && pwd -P)
	EXT="$REPO:ext-$(h12 "$P")"
	printf 'FROM %s:base\nCOPY f /f\n' "$REPO" >"$P/.aishell/Dockerfile"
	echo data >"$P/f"
	(cd "$P" && "$AISHELL" ensure -q) || fail "ensure failed in '$P'"
	[ -n "$(img_id "$EXT")" ] || fail "no image $EXT for '$P'"
	expect_eq "$(cat "$HOME/.local/state/aishell/projects/$(h12 "$P")"; echo .)" "$P
." "project record for '$P'"
	(cd "$P" && "$AISHELL" ensure --check) || fail "not fresh in '$P'"
	expect_rc 0 ais status -C "$P" --json
	# The JSON is valid and names the path (node ships on these machines).
	if command -v node >/dev/null; then
		node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
			if (d.project !== process.argv[2]) { console.error(d.project); process.exit(1); }' \
			"$T/out" "$P" || fail "bad JSON for '$P'"
	fi
}

check_path "$T/with space"
check_path "$T/quote'\"s"
check_path "$T/\$(touch $T/pwned)"
check_path "$T/back\`touch $T/pwned2\`tick"
check_path "$T/new
line"
check_path "$T/ünïcødé ✓"
[ ! -e "$T/pwned" ] && [ ! -e "$T/pwned2" ] || fail "a path injected a command"

# A fifo in the context is never read (no hang); both builders build.
new_project fifo
mkdir -p "$P/.aishell"
mkfifo "$P/pipe"
echo x >"$P/f"
printf 'FROM %s:base\nCOPY . /app\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 0 env AISHELL_BUILDER=legacy "$AISHELL" ensure -C "$P"
echo y >>"$P/f"
expect_rc 0 env AISHELL_BUILDER=buildkit "$AISHELL" ensure -C "$P"

# A 10 MB Dockerfile.
new_project big
mkdir -p "$P/.aishell"
{
	printf 'FROM %s:base\n' "$REPO"
	awk 'BEGIN { for (i = 0; i < 150000; i++) printf "# padding line %07d of a very large Dockerfile ......................\n", i }'
	printf 'RUN echo big > /big\n'
} >"$P/.aishell/Dockerfile"
[ "$(wc -c <"$P/.aishell/Dockerfile")" -ge 10000000 ] || fail "Dockerfile is not 10 MB"
expect_rc 0 ais ensure -C "$P"
expect_rc 0 ais ensure --check -C "$P"

# An unreadable file the Dockerfile copies: one clear line, nothing built.
# Run unprivileged (root reads everything) against the scripted engine.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	U="$T/unpriv"
	mkdir -p "$U/home" "$U/p/.aishell"
	cp "$AISHELL" "$U/aishell"
	printf 'FROM %s:base\nCOPY . /app\n' "$REPO" >"$U/p/.aishell/Dockerfile"
	echo secret >"$U/p/secret"
	chmod 000 "$U/p/secret"
	chmod 755 "$T" "$U"
	chown -R 65534:65534 "$U/home" "$U/p"
	rm -f "$T/fake.sock"
	"$FAKE_ENGINE" "$T/fake.sock" build-500 "$T/fake.log" &
	fake=$!
	while [ ! -S "$T/fake.sock" ]; do sleep 0.05; done
	chmod 666 "$T/fake.sock"
	expect_rc 1 env HOME="$U/home" DOCKER_HOST="unix://$T/fake.sock" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$U/aishell" ensure -C "$U/p"
	kill "$fake"
	expect_in "$T/err" "cannot read '$U/p/secret': Permission denied"
	expect_eq "$(grep -c '^aishell: error:' "$T/err")" 1 "error lines"
	if grep -q '/build' "$T/fake.log"; then fail "a build was started"; fi
fi

# A config.yaml "billion laughs" (aliases nested nine deep): bounded time
# and memory, one clear error naming file:line:column.
new_project laughs
mkdir -p "$P/.aishell"
{
	printf 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
	prev=a
	for n in b c d e f g h i; do
		printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $n $n $prev $prev $prev $prev $prev $prev $prev $prev $prev
		prev=$n
	done
	printf 'mounts: *i\nenv: *i\n'
} >"$P/.aishell/config.yaml"
start=$(date +%s)
expect_rc 1 ais devcontainer generate -C "$P" --stdout
[ $(($(date +%s) - start)) -lt 10 ] || fail "the alias bomb took too long"
expect_in "$T/err" "$P/.aishell/config.yaml:"
expect_in "$T/err" "'mounts' entries must be strings"
[ ! -e "$P/.devcontainer" ] || fail "a file was written"
