#!/bin/sh
# warn mode also reports a generated devcontainer.json that a checkout made
# out of date (config.yaml changed); a current or foreign file: silent.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project dc
printf 'env:\n  FOO: one\n' >"$P/.aishell/config.yaml"
cd "$P"
expect_rc 0 ais devcontainer generate -q
git add -A
git commit -qm "config (devcontainer.json is ignored)"
git checkout -q -b cfg
printf 'env:\n  FOO: two\n' >"$P/.aishell/config.yaml"
git commit -qam "config changed"
git checkout -q main
expect_rc 0 ais ensure -q
expect_rc 0 ais hooks install

# The config changed, the image did not: exactly the devcontainer line.
expect_rc 0 git checkout -q cfg
expect_in "$T/err" "devcontainer.json is out of date: regenerating would change "
expect_in "$T/err" "; run 'aishell devcontainer generate'"
expect_eq "$(grep -c aishell "$T/err")" 1 "one line"
expect_rc 4 ais devcontainer generate --check
# status says the same, in its table and in its JSON, and exits 4 for it.
expect_rc 4 ais status
expect_in "$T/out" "devcontainer.json is out of date: regenerating would change "
expect_rc 4 ais status --json
dc_json() {
	node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const d = s.devcontainer; console.log(d.state, d.outdated, s.fresh, d.reason || "")' "$T/out"
}
expect_eq "$(dc_json)" "outdated true true regenerating would change containerEnv" "status --json: the dev container"
# Back on main the generated file is current again: silent.
expect_rc 0 git checkout -q main
expect_eq "$(cat "$T/err")" "" "current devcontainer.json"
expect_rc 0 ais status --json
expect_eq "$(dc_json)" "current false true " "status --json: current again"
# off: nothing, not even this.
git config aishell.hooks.mode off
expect_rc 0 git checkout -q cfg
expect_eq "$(cat "$T/err")" "" "off mode"
git config aishell.hooks.mode warn
expect_rc 0 git checkout -q main

# A devcontainer.json aishell did not generate is not ours to judge.
# (devcontainer.json is per clone: .devcontainer/.gitignore, which generate wrote, keeps it out of git)
printf '{"image": "something-else"}\n' >"$P/.devcontainer/devcontainer.json"
expect_eq "$(git status --porcelain)" "" "devcontainer.json ignored"
git checkout -q -b cfg2
printf 'env:\n  FOO: three\n' >"$P/.aishell/config.yaml"
git commit -qam "config again"
git checkout -q main
expect_rc 0 git checkout -q cfg2
expect_not_in "$T/err" "devcontainer.json"
