#!/usr/bin/env bash
# bench/hooks.sh: cost of `git checkout B; git checkout A` with aishell's hooks installed and
# nothing stale, against no hook and a plain `#!/bin/sh` + `exit 0` hook (what husky costs), in
# one run (hyperfine, interleaved rounds).  Branches differ in 12 files, none under .aishell/.
# Prints the median per checkout and the overhead over no hook.  Not a test: never fails on numbers.
#
# Variants:
#   none      no hook
#   sh        `exit 0`
#   aishell   the shim `aishell hooks install` writes (hooks/shim.sh), whatever it does today
#   full      a hook that runs `aishell hook post-checkout "$@"` on every checkout: the full
#             staleness check (engine requests, content hashes), as a shim without a pre-filter
#             does.  Measured only while hooks/shim.sh still skips checkouts that change nothing
#             under .aishell/ (then `aishell` alone measures the shim's sh + git diff); once the
#             shim runs the check on every checkout, `aishell` is this and `full` is left out.
#   full-dc   `full` in a project with a generated .devcontainer/devcontainer.json, whose
#             currency the hook also checks
#
#   bench/hooks.sh [ROUNDS] [RUNS]     (default 5 rounds of 30 runs per variant)
set -euo pipefail

rounds=${1:-5}
runs=${2:-30}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR
. "$root/bench/lib.sh"
bench_setup

export GIT_CONFIG_GLOBAL="$work/gitconfig"
git config --global user.name bench
git config --global user.email bench@example.invalid
git config --global init.defaultBranch A
git config --global advice.detachedHead false

# Base repository: 100 files and a project Dockerfile; B changes 10 files and adds 2.
git init -q "$work/base"
(
	cd "$work/base"
	for i in $(seq 1 100); do seq 1 50 | sed "s/^/f$i line /" >"f$i.txt"; done
	mkdir .aishell
	printf 'FROM %s:base\nRUN echo ext > /ext\n' "$repo" >.aishell/Dockerfile
	git add -A && git commit -qm base
	git checkout -q -b B
	for i in $(seq 1 10); do echo changed >>"f$i.txt"; done
	echo x >new1 && echo y >new2
	git add -A && git commit -qm B && git checkout -q A
)
if grep -q 'git diff --quiet' "$root/hooks/shim.sh"; then
	variants="none sh aishell full full-dc"
	echo "hooks/shim.sh skips checkouts that change nothing under .aishell/: 'full' simulates the full check"
else
	variants="none sh aishell full-dc"
	echo "hooks/shim.sh runs the full check on every checkout: 'aishell' measures it"
fi
for v in $variants; do git clone -q "$work/base" "$work/$v"; done
printf '#!/bin/sh\nexit 0\n' >"$work/sh/.git/hooks/post-checkout"
for v in $variants; do
	case $v in full | full-dc) ;; *) continue ;; esac
	printf '#!/bin/sh\nexec %q hook post-checkout "$@" </dev/null\n' "$aishell" >"$work/$v/.git/hooks/post-checkout"
done
chmod +x "$work"/*/.git/hooks/post-checkout 2>/dev/null || true
(cd "$work/aishell" && "$aishell" hooks install >/dev/null 2>&1) || { echo "hooks install failed" >&2; exit 1; }
for v in $variants; do
	case $v in none | sh) continue ;; esac
	(cd "$work/$v" && "$aishell" ensure -q && "$aishell" ensure --check) ||
		{ echo "setup of $v failed" >&2; exit 1; }
done
(cd "$work/full-dc" && "$aishell" devcontainer generate -q) ||
	{ echo "devcontainer generate failed" >&2; exit 1; }
# The hooks must be silent here (nothing stale), or the numbers mean nothing.
for v in $variants; do
	out=$(cd "$work/$v" && git checkout -q B 2>&1 && git checkout -q A 2>&1)
	[ -z "$out" ] || { echo "the $v variant is not silent: $out" >&2; exit 1; }
done

echo "git $(git --version | cut -d' ' -f3); engine $DOCKER_HOST; $rounds rounds x $runs runs per variant"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
mkdir "$work/results"
for r in $(seq 1 "$rounds"); do
	for v in $variants; do
		hyperfine --warmup 3 --runs "$runs" --export-json "$work/results/$v.$r.json" \
			"cd $work/$v && git checkout -q B && git checkout -q A" >/dev/null 2>&1
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$variants" "$work/results" <<'PY'
import glob, json, statistics, sys
vs = sys.argv[1].split()
res, cpu = {}, {}
for v in vs:
    r = [json.load(open(f))["results"][0] for f in sorted(glob.glob(f"{sys.argv[2]}/{v}.*.json"))]
    t = [s for x in r for s in x["times"]]
    q = statistics.quantiles(t, n=4)
    res[v] = (statistics.median(t) * 500, q[0] * 500, q[2] * 500, len(t))   # s -> ms, per checkout
    cpu[v] = statistics.median(x["user"] + x["system"] for x in r) * 500
b = res["none"][0]
print("| variant | median ms/checkout | IQR ms | overhead vs none | user+sys ms/checkout (over none) | n |")
print("|---|---|---|---|---|---|")
for v in vs:
    m, lo, hi, n = res[v]
    print(f"| {v} | {m:.1f} | {lo:.1f}-{hi:.1f} | {m - b:+.1f} | {cpu[v]:.1f} ({cpu[v] - cpu['none']:+.1f}) | {n} |")
full = "full" if "full" in res else "aishell"
o = res[full][0] - b
print(f"target: the full check on every checkout costs <= +8 ms median: {o:+.1f} ms ({full}), "
      f"{'met' if o <= 8 else 'NOT met'}; a bare sh hook costs {res['sh'][0] - b:+.1f} ms here")
PY
