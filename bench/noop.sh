#!/usr/bin/env bash
# bench/noop.sh: time a no-op `aishell ensure` (everything fresh) against the
# original aishell's no-op path -- the 8 docker CLI calls it makes to find
# that nothing is stale (docs/COMPATIBILITY.md section 7), written out below -- in one run, with hyperfine.
# Beside them, so the floor is visible: `aishell --version` (start-up alone:
# no engine, no project) and a program that only loads libcurl and runs
# curl_global_init(), which any libcurl client pays before its first
# request.  The variants take turns, ROUNDS times RUNS runs each, so a
# change in the machine's load hits all of them.  Prints the medians, the
# ratio and the targets.  Not a test: it never fails on numbers.
#
#   bench/noop.sh [ROUNDS] [RUNS]     (default 5 rounds of 40 runs, after 10 warm-ups)
set -euo pipefail

rounds=${1:-5}
runs=${2:-40}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR
. "$root/bench/lib.sh"
bench_setup

# The measured state: alias base plus one fresh extension.
mkdir -p "$work/project/.aishell"
P=$(cd "$work/project" && pwd -P)
printf 'FROM %s:base\nRUN echo ext > /ext\n' $repo >"$P/.aishell/Dockerfile"
"$aishell" ensure -q -C "$P"
"$aishell" ensure --check -C "$P" || { echo "setup failed: chain not fresh" >&2; exit 1; }

# The original's no-op path, with the repository name substituted.
cat >"$work/noop-cli.sh" <<CLI
#!/bin/sh
P=\${1:?project path}
EXT=$repo:ext-\$(printf '%s' "\$P" | sha256sum | cut -c1-12)
set -e
docker image inspect $repo:base >/dev/null
docker inspect --format='{{index .Config.Labels "aishell.base.dockerfile.hash"}}' $repo:base >/dev/null
docker inspect --format='{{.Id}}' $repo:base >/dev/null
docker inspect --format='{{.Id}}' $repo:foundation >/dev/null
docker image inspect "\$EXT" >/dev/null
docker inspect --format='{{index .Config.Labels "aishell.base.id"}}' "\$EXT" >/dev/null
docker inspect --format='{{.Id}}' $repo:base >/dev/null
docker inspect --format='{{index .Config.Labels "aishell.extension.hash"}}' "\$EXT" >/dev/null
CLI
sh "$work/noop-cli.sh" "$P" || { echo "the docker CLI sequence fails here" >&2; exit 1; }

printf '#include <curl/curl.h>\nint main(void) { curl_global_init(CURL_GLOBAL_DEFAULT); return 0; }\n' >"$work/floor.c"
# shellcheck disable=SC2046  # pkg-config prints several words
gcc -O2 -o "$work/floor" "$work/floor.c" $(pkg-config --cflags --libs libcurl)

echo "shared objects loaded: aishell ensure $(LD_DEBUG=libs "$aishell" ensure -C "$P" 2>&1 >/dev/null |
	grep -c 'calling init'), aishell --version $(LD_DEBUG=libs "$aishell" --version 2>&1 >/dev/null |
	grep -c 'calling init'), floor $(LD_DEBUG=libs "$work/floor" 2>&1 | grep -c 'calling init')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs); $rounds rounds x $runs runs"

names=(ensure original version floor)
cmds=("$aishell ensure -C $P" "sh $work/noop-cli.sh $P" "$aishell --version" "$work/floor")
mkdir "$work/results"
for r in $(seq 1 "$rounds"); do
	for i in "${!names[@]}"; do
		hyperfine -N --warmup $((r == 1 ? 10 : 3)) --runs "$runs" \
			--export-json "$work/results/${names[$i]}.$r.json" "${cmds[$i]}" >/dev/null 2>&1
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work/results" <<'PY'
import glob, json, statistics, sys
d = sys.argv[1]
def times(v):
    return [x for f in sorted(glob.glob(f"{d}/{v}.*.json")) for x in json.load(open(f))["results"][0]["times"]]
def cpu(v):
    r = [json.load(open(f))["results"][0] for f in sorted(glob.glob(f"{d}/{v}.*.json"))]
    return statistics.median(x["user"] + x["system"] for x in r) * 1000
label = {"ensure": "aishell ensure (no-op)", "original": "original: 8 docker CLI calls",
         "version": "aishell --version", "floor": "floor: load libcurl + curl_global_init"}
med = {}
print("| command | median ms | IQR ms | mean user+sys ms | n |\n|---|---|---|---|---|")
for v in label:
    t = times(v)
    q = statistics.quantiles(t, n=4)
    med[v] = statistics.median(t) * 1000
    print(f"| {label[v]} | {med[v]:.2f} | {q[0]*1000:.2f}-{q[2]*1000:.2f} | {cpu(v):.2f} | {len(t)} |")
a, c, f = med["ensure"], med["original"], med["floor"]
print(f"no-op ensure: {a:.2f} ms, original {c:.2f} ms, {c / a:.1f}x faster")
print(f"floor on this machine (libcurl loaded and initialised, no request): {f:.2f} ms; "
      f"--version {med['version'] - f:+.2f} ms above it, no-op ensure {a - f:+.2f} ms")
print(f"targets: <= 6 ms median: {'met' if a <= 6 else 'NOT met'}; >= 14x faster: {'met' if c / a >= 14 else 'NOT met'}")
PY
