#!/usr/bin/env bash
# bench/build.sh: ext build time, aishell's BuildKit path (POST /build?version=2)
# against `docker build` with the legacy builder (the original aishell's way),
# cold (no cache) and warm (every step cached), in one run with hyperfine.
# Prints the medians and the ratios.  Not a test: it never fails on numbers.
#
#   bench/build.sh [RUNS]     (default 10 runs each)
set -euo pipefail

runs=${1:-10}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR
. "$root/bench/lib.sh"
bench_prune_builder=1
bench_setup

export DOCKER_BUILDKIT=0
mkdir -p "$work/project/.aishell"
P=$(cd "$work/project" && pwd -P)
# The build of docker-engine.md section 4: a RUN and a 1 MiB COPY.
head -c 1048576 /dev/urandom >"$P/f"
printf 'FROM %s:base\nRUN echo hi > /x\nCOPY f /f\n' $repo >"$P/.aishell/Dockerfile"
EXT=$repo:ext-$(printf '%s' "$P" | sha256sum | cut -c1-12)
AISHELL_BUILDER=buildkit "$aishell" ensure -q -C "$P"
# shellcheck disable=SC2086 # $bench_label is two words
docker build -q $bench_label -f "$P/.aishell/Dockerfile" -t $repo:cli "$P" >/dev/null 2>&1

# Warm runs need the tag gone but the cache kept: keep a second tag.
untag_ext="docker tag $EXT $repo:keep-ext && docker rmi $EXT >/dev/null"
untag_cli="docker tag $repo:cli $repo:keep-cli && docker rmi $repo:cli >/dev/null"

hyperfine --runs "$runs" --export-csv "$work/cold.csv" \
	-n "aishell ensure --force (BuildKit; no cache)" \
	"AISHELL_BUILDER=buildkit $aishell ensure -q --force -C $P" \
	-n "docker build --no-cache (legacy)" \
	"docker build -q $bench_label --no-cache -f $P/.aishell/Dockerfile -t $repo:cli $P 2>/dev/null"
hyperfine --runs "$runs" --export-csv "$work/warm.csv" \
	--prepare "$untag_ext" -n "aishell ensure (BuildKit; cached)" \
	"AISHELL_BUILDER=buildkit $aishell ensure -q -C $P" \
	--prepare "$untag_cli" -n "docker build (legacy; cached)" \
	"docker build -q $bench_label -f $P/.aishell/Dockerfile -t $repo:cli $P 2>/dev/null"

# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
for kind in cold warm; do
	awk -F, -v kind=$kind 'NR == 2 { a = $4 } NR == 3 { c = $4 }
		END { printf "%s build median: aishell/BuildKit %.0f ms, docker build/legacy %.0f ms, ratio %.2fx\n",
			kind, a * 1000, c * 1000, a / c }' "$work/$kind.csv"
done
awk -F, 'NR == 2 { a = $4 } NR == 3 { c = $4 }
	END { printf "target: cold <= 0.6x the legacy CLI build: %s\n", (a / c <= 0.6 ? "met" : "NOT met") }' "$work/cold.csv"
