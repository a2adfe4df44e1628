#!/usr/bin/env bash
# bench/staleness.sh: the cost of content-aware staleness -- `aishell ensure
# --check` on a project whose Dockerfile does `COPY . /app` over a
# 10,000-file context, with a cold stat cache (every file read and hashed)
# and a warm one (stat calls only) -- and the hashing throughput on one
# 256 MiB file.  Not a test: it never fails on numbers.
#
#   bench/staleness.sh [RUNS]     (default 20 runs each)
set -euo pipefail

runs=${1:-20}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR
. "$root/bench/lib.sh"
bench_setup

# 10,000 files of 1-4 KiB in 100 directories.
P="$work/many"
mkdir -p "$P/.aishell"
for d in $(seq 1 100); do mkdir -p "$P/src/d$d"; done
awk -v dir="$P/src" 'BEGIN {
	for (d = 1; d <= 100; d++)
		for (f = 1; f <= 100; f++) {
			file = dir "/d" d "/f" f
			line = sprintf("%0" (1024 * (1 + (d + f) % 4) - 1) "d", d * 1000 + f)
			print line > file
			close(file)
		}
}'
P=$(cd "$P" && pwd -P)
printf 'FROM %s:base\nCOPY . /app\n' $repo >"$P/.aishell/Dockerfile"
"$aishell" ensure -q -C "$P"
# Let the files age past the cache's 2 s "racy" window, as real trees are.
sleep 3
"$aishell" ensure --check -C "$P"

# One big file, for throughput.
B="$work/big"
mkdir -p "$B/.aishell"
head -c $((256 * 1024 * 1024)) /dev/urandom >"$B/blob"
B=$(cd "$B" && pwd -P)
printf 'FROM %s:base\nCOPY blob /blob\n' $repo >"$B/.aishell/Dockerfile"
"$aishell" ensure -q -C "$B"
sleep 3

cache="$HOME/.cache/aishell"
hyperfine -N --warmup 2 --runs "$runs" --export-csv "$work/t.csv" \
	--prepare "rm -rf $cache" -n "10000 files cold stat cache" "$aishell ensure --check -C $P" \
	--prepare true -n "10000 files warm stat cache" "$aishell ensure --check -C $P" \
	--prepare "rm -rf $cache" -n "256 MiB file cold stat cache" "$aishell ensure --check -C $B" \
	--prepare true -n "256 MiB file warm stat cache" "$aishell ensure --check -C $B"
awk -F, 'NR == 2 { c = $4 } NR == 3 { w = $4 } NR == 4 { bc = $4 } NR == 5 { bw = $4 }
	END {
		printf "10,000-file context: first run %.1f ms, unchanged second run %.1f ms\n", c * 1000, w * 1000
		printf "hashing throughput (256 MiB, cold minus warm): %.2f GB/s (target >= 1 GB/s: %s)\n",
			0.268435456 / (bc - bw), (0.268435456 / (bc - bw) >= 1 ? "met" : "NOT met")
	}' "$work/t.csv"
