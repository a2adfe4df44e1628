#!/usr/bin/env bash
# bench/noop.sh: time a no-op `aishell ensure` (everything fresh) against the
# original aishell's no-op path -- its sequence of 8 docker CLI calls
# (docs/COMPATIBILITY.md section 7) -- in one run, with hyperfine.
# Prints both medians and the ratio.  Not a test: it never fails on numbers.
#
#   bench/noop.sh [RUNS]     (default 200 runs each, after 10 warm-ups)
set -euo pipefail

runs=${1:-200}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR
. "$root/bench/lib.sh"
bench_setup

# The measured state: alias base plus one fresh extension (as in the notes).
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

# The floor on this machine: a program that only loads libcurl and runs
# curl_global_init(), which any libcurl client pays before its first request.
printf '#include <curl/curl.h>\nint main(void) { curl_global_init(CURL_GLOBAL_DEFAULT); return 0; }\n' >"$work/floor.c"
gcc -O2 -o "$work/floor" "$work/floor.c" $(pkg-config --cflags --libs libcurl)

hyperfine -N --warmup 10 --runs "$runs" --export-csv "$work/times.csv" \
	-n "aishell ensure" "$aishell ensure -C $P" \
	-n "original: 8 docker CLI calls" "sh $work/noop-cli.sh $P" \
	-n "floor: load libcurl + curl_global_init" "$work/floor"

# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
awk -F, 'NR == 2 { a = $4 } NR == 3 { c = $4 } NR == 4 { f = $4 }
	END {
		printf "median no-op: aishell %.2f ms, original (8 docker CLI calls) %.2f ms, ratio %.1fx\n", a * 1000, c * 1000, c / a
		printf "floor on this machine (libcurl loaded and initialised, no request): %.2f ms; aishell above it: %.2f ms\n", f * 1000, (a - f) * 1000
		printf "targets: <= 8 ms median: %s; >= 12x faster: %s\n", (a * 1000 <= 8 ? "met" : "NOT met"), (c / a >= 12 ? "met" : "NOT met")
	}' "$work/times.csv"
