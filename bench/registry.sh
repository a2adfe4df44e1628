#!/usr/bin/env bash
# bench/registry.sh: time to a fresh ext on "machine B" (its own HOME and
# project path) when machine A has already pushed it: pulled from a registry
# against built here (without cache), for an ext whose RUN step takes about
# 5 s.  The registry is Debian's docker-registry on 127.0.0.1.  Prints the
# medians and their ratio.  Not a test: it never fails on numbers.
#
#   bench/registry.sh [RUNS]     (default 5 runs each)
set -euo pipefail

runs=${1:-5}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR
. "$root/bench/lib.sh"
# shellcheck source-path=SCRIPTDIR/..
. "$root/tests/lib/registry.sh"
bench_setup
# A repository of its own: other benchmarks may use "aisbench" meanwhile.
repo=aisbench-registry
export AISHELL_IMAGE_REPO=$repo
engine_make_foundation $repo >/dev/null
trap 'registry_stop; bench_cleanup' EXIT

registry_start "$work/registry"
R=$REGISTRY_ADDR/bench/$repo

# Machine A builds and pushes.
mkdir -p "$work/a/proj/.aishell" "$work/b/proj/.aishell" "$work/home-a" "$work/home-b"
PA=$(cd "$work/a/proj" && pwd -P)
PB=$(cd "$work/b/proj" && pwd -P)
for p in "$PA" "$PB"; do
	printf 'FROM %s:base\nRUN sleep 5 && echo slow > /slow\n' $repo >"$p/.aishell/Dockerfile"
done
EXTA=$repo:ext-$(printf '%s' "$PA" | sha256sum | cut -c1-12)
EXTB=$repo:ext-$(printf '%s' "$PB" | sha256sum | cut -c1-12)
HOME=$work/home-a AISHELL_REGISTRY=$R "$aishell" ensure -q --push -C "$PA"
docker rmi "$EXTA" >/dev/null

# Machine B: every run starts without its ext (and so without its layer).
hyperfine --runs "$runs" --export-csv "$work/registry.csv" \
	--prepare "docker rmi $EXTB >/dev/null 2>&1 || true" \
	-n "machine B: ensure - pulled from the registry" \
	"HOME=$work/home-b AISHELL_REGISTRY=$R $aishell ensure -q -C $PB" \
	--prepare "docker rmi $EXTB >/dev/null 2>&1 || true" \
	-n "machine B: ensure - built here (no cache)" \
	"HOME=$work/home-b AISHELL_REGISTRY=none $aishell ensure -q --force -C $PB"

# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
awk -F, 'NR == 2 { p = $4 } NR == 3 { b = $4 }
	END { printf "fresh ext on machine B, median: pulled %.0f ms, built %.0f ms, pull/build %.2fx\n",
		p * 1000, b * 1000, p / b }' "$work/registry.csv"
