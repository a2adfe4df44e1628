#!/bin/sh
# A team of two with the real @devcontainers/cli and the real engine. Machine 1 (its own HOME, aishell binary and
# git identity) generates the dev container setup and commits what git lets it commit; machine 2 (another HOME,
# another binary location with machine 1's binary removed, another identity) clones to another path. What was
# committed holds no machine-1 path or identity; after the one documented command (`aishell devcontainer
# generate`) `devcontainer up` works on machine 2 with its own image <repo>:ext-<H12(its path)> and identity;
# `git status --porcelain` stays empty through generate, up and checkouts with the hooks installed.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/dc.sh
. "$AIS_SRC/tests/lib/dc.sh"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
GIT_CEILING_DIRECTORIES=$T
export GIT_CEILING_DIRECTORIES
BASE_PATH=$PATH

# machine N: its own HOME, PATH entry for aishell and git identity.
machine() {
	HOME="$T/home$1"
	export HOME
	mkdir -p "$HOME" "$T/bin$1"
	[ -x "$T/bin$1/aishell" ] || cp "$(readlink -f "$AISHELL")" "$T/bin$1/aishell"
	PATH="$T/bin$1:$BASE_PATH"
	export PATH
	git config --global user.name "$2"
	git config --global user.email "$3"
	git config --global init.defaultBranch main
	git config --global advice.detachedHead false
}

P2=
test_cleanup() {
	[ -n "$P2" ] || return 0
	for c in $(docker_cli ps -aq --filter "label=devcontainer.local_folder=$P2"); do
		docker_cli rm -f "$c"
	done
	docker_cli rmi "vsc-$(basename "$P2")-$(printf '%s' "$P2" | sha256sum | cut -c1-64)-uid" || true
	for i in $SEEN_IMAGES; do docker_cli rmi "$i" || true; done
}
SEEN_IMAGES=

# ---- machine 1 ----
machine 1 "Alice One" alice@one.example
git init -q --bare "$T/origin.git"
P1="$T/m1/work/proj"
mkdir -p "$P1/.aishell"
git -C "$P1" init -q
printf 'FROM %s:base\nRUN echo team > /ext-mark\n' "$REPO" >"$P1/.aishell/Dockerfile"
printf 'env:\n  GREETING: hello\n  WHERE: $HOME\n' >"$P1/.aishell/config.yaml"
echo readme >"$P1/README"
expect_rc 0 aishell devcontainer generate -C "$P1"
expect_in "$T/err" ".gitignore lists devcontainer.json"
[ -f "$P1/.devcontainer/devcontainer.json" ] || fail "no devcontainer.json on machine 1"
expect_in "$P1/.devcontainer/devcontainer.json" "$T/bin1/aishell"
git -C "$P1" add -A
git -C "$P1" commit -qm "project with a dev container setup"
git -C "$P1" remote add origin "$T/origin.git"
git -C "$P1" push -q origin main
expect_eq "$(git -C "$P1" status --porcelain)" "" "machine 1 clean after generate"
git -C "$P1" ls-files >"$T/committed"
expect_in "$T/committed" ".devcontainer/.gitignore"
expect_not_in "$T/committed" ".devcontainer/devcontainer.json"
# nothing committed names machine 1's paths, home, binary or identity
for needle in "$T" "$T/home1" "$T/bin1" "Alice" "alice@one.example" "$(printf '%s' "$P1" | sha256sum | cut -c1-12)"; do
	if git -C "$P1" grep -q -F -e "$needle" HEAD --; then
		fail "a committed file contains '$needle': $(git -C "$P1" grep -F -e "$needle" HEAD -- | head -3)"
	fi
done

# ---- machine 2: machine 1's binary is gone ----
rm -rf "$T/bin1"
machine 2 "Bob Two" bob@two.example
P2="$T/m2/elsewhere/proj-b"
mkdir -p "$(dirname "$P2")"
expect_rc 0 git clone -q "$T/origin.git" "$P2"
P2=$(cd "$P2" && pwd -P)
EXT2="$REPO:ext-$(printf '%s' "$P2" | sha256sum | cut -c1-12)"
(cd "$P2" && expect_rc 0 aishell hooks install)
expect_eq "$(git -C "$P2" status --porcelain)" "" "clean after hooks install"
# the one-time command
(cd "$P2" && expect_rc 0 aishell devcontainer generate)
F2="$P2/.devcontainer/devcontainer.json"
expect_in "$F2" "\"image\": \"$EXT2\""
expect_in "$F2" "$T/bin2/aishell"
expect_not_in "$F2" "bin1"
expect_not_in "$F2" "Bob"
expect_eq "$(git -C "$P2" status --porcelain)" "" "clean after generate"

expect_rc 0 dc up --workspace-folder "$P2"
expect_in "$T/out" '"outcome":"success"'
E2=$(img_id "$EXT2")
[ -n "$E2" ] || fail "up did not build $EXT2"
SEEN_IMAGES="$E2"
expect_rc 0 dc exec --workspace-folder "$P2" sh -c 'cat /ext-mark; echo "$GREETING|$WHERE"; pwd; cat "$GIT_CONFIG_SYSTEM"'
expect_eq "$(sed -n 1p "$T/out")" "team" "machine 2's container runs its ext"
expect_eq "$(sed -n 2p "$T/out")" "hello|$T/home2" "config env with machine 2's HOME"
expect_eq "$(sed -n 3p "$T/out")" "$P2" "workspace at machine 2's path"
expect_in "$T/out" 'name = "Bob Two"'
expect_not_in "$T/out" "Alice"
expect_eq "$(git -C "$P2" status --porcelain)" "" "clean after up"
expect_rc 0 aishell ensure -C "$P2" --check

# checkouts with the hooks installed: a branch that changes the env, and back
git -C "$P2" checkout -q -b louder
sed -i 's/GREETING: hello/GREETING: HELLO/' "$P2/.aishell/config.yaml"
git -C "$P2" commit -qam "louder"
expect_rc 0 git -C "$P2" checkout main
expect_eq "$(git -C "$P2" status --porcelain)" "" "clean after checkout main"
expect_rc 0 git -C "$P2" checkout louder
expect_in "$T/err" "devcontainer.json is out of date"
expect_eq "$(git -C "$P2" status --porcelain)" "" "clean after checkout louder"
# the env change: one failing up that regenerates (ignored by git), then the new env
expect_rc 1 dc up --workspace-folder "$P2"
expect_in "$T/err" "it is regenerated now: run 'devcontainer up' again"
expect_eq "$(git -C "$P2" status --porcelain)" "" "clean after the regenerating up"
expect_rc 0 dc up --workspace-folder "$P2"
expect_rc 0 dc exec --workspace-folder "$P2" sh -c 'echo "$GREETING"'
expect_eq "$(cat "$T/out")" "HELLO" "new env after the change"
expect_rc 0 git -C "$P2" checkout main
expect_eq "$(git -C "$P2" status --porcelain)" "" "clean after the last checkout"
