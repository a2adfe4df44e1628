#!/usr/bin/env bash
# bench/hooks.sh: cost of `git checkout B; git checkout A` with aishell's hooks installed and
# nothing stale, against no hook and against a plain `#!/bin/sh` + `exit 0` hook, in one run
# (hyperfine, interleaved rounds).  Branches differ in 12 files, none under .aishell/.
# Prints the median per checkout and the overhead over no hook.  Not a test: never fails on numbers.
#
#   bench/hooks.sh [ROUNDS] [RUNS]     (default 5 rounds of 30 runs per variant)
set -euo pipefail

rounds=${1:-5}
runs=${2:-30}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR/..
. tests/lib/engine.sh

engine_ensure_packages
command -v hyperfine >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends hyperfine >/dev/null
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench -j2 >/dev/null
aishell="$root/build-bench/src/aishell"

work=$(mktemp -d /tmp/aishell-hookbench.XXXXXX)
repo=aishookbench
cleanup() {
	ids=$(docker images -q --filter reference=$repo 2>/dev/null | sort -u)
	[ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1 || true
	rm -rf "$work"
	engine_down
}
trap cleanup EXIT
engine_up

export AISHELL_IMAGE_REPO=$repo HOME="$work/home" GIT_CONFIG_GLOBAL="$work/gitconfig"
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.invalid
git config --global init.defaultBranch A
git config --global advice.detachedHead false
engine_make_foundation $repo >/dev/null

# Base repository: 100 files and a project Dockerfile; B changes 10 files and adds 2.
git init -q "$work/base"
(
	cd "$work/base"
	for i in $(seq 1 100); do seq 1 50 | sed "s/^/f$i line /" >"f$i.txt"; done
	mkdir .aishell
	printf 'FROM %s:base\nRUN echo ext > /ext\n' $repo >.aishell/Dockerfile
	git add -A && git commit -qm base
	git checkout -q -b B
	for i in $(seq 1 10); do echo changed >>"f$i.txt"; done
	echo x >new1 && echo y >new2
	git add -A && git commit -qm B && git checkout -q A
)
variants="none sh aishell"
for v in $variants; do git clone -q "$work/base" "$work/$v"; git -C "$work/$v" checkout -q B; git -C "$work/$v" checkout -q A; done
printf '#!/bin/sh\nexit 0\n' >"$work/sh/.git/hooks/post-checkout"
chmod +x "$work/sh/.git/hooks/post-checkout"
(cd "$work/aishell" && "$aishell" hooks install >/dev/null 2>&1 && "$aishell" ensure -q &&
	"$aishell" ensure --check) || { echo "setup failed" >&2; exit 1; }
# The hooks must be silent here (nothing stale), or the numbers mean nothing.
out=$(cd "$work/aishell" && git checkout -q B 2>&1 && git checkout -q A 2>&1)
[ -z "$out" ] || { echo "the aishell variant is not silent: $out" >&2; exit 1; }

echo "git $(git --version | cut -d' ' -f3); engine $DOCKER_HOST; $rounds rounds x $runs runs per variant"
mkdir "$work/results"
for r in $(seq 1 "$rounds"); do
	for v in $variants; do
		hyperfine --warmup 3 --runs "$runs" --export-json "$work/results/$v.$r.json" \
			"cd $work/$v && git checkout -q B && git checkout -q A" >/dev/null 2>&1
	done
done
python3 - "$variants" "$work/results" <<'PY'
import glob, json, statistics, sys
vs = sys.argv[1].split()
res = {}
for v in vs:
    t = [x for f in sorted(glob.glob(f"{sys.argv[2]}/{v}.*.json")) for x in json.load(open(f))["results"][0]["times"]]
    q = statistics.quantiles(t, n=4)
    res[v] = (statistics.median(t) * 500, q[0] * 500, q[2] * 500, len(t))   # s -> ms, per checkout
b = res["none"][0]
print("| variant | median ms/checkout | IQR ms | overhead vs none | n |\n|---|---|---|---|---|")
for v in vs:
    m, lo, hi, n = res[v]
    print(f"| {v} | {m:.1f} | {lo:.1f}-{hi:.1f} | +{m - b:.1f} | {n} |")
PY
