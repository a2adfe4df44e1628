#!/usr/bin/env bash
# bench/context.sh: what sending only what the build reads buys.  In one run:
#  1. a forced ext build (`ensure --force`) of a project holding 400 MB the
#     Dockerfile never reads, `COPY small.txt /small.txt`, against
#     `docker build --no-cache` with BuildKit (DOCKER_BUILDKIT=1, the docker CLI
#     that talks to the engine: Debian's 20.10 does BuildKit without buildx);
#  2. the same with `COPY . /app` and a .dockerignore that excludes the bulk;
#  3. aishell's peak RSS (/usr/bin/time -v) sending a 1 GB context
#     (RUN --mount=type=bind of the whole context);
#  4. judging an unchanged 10,000-file `COPY .` context (`ensure --check`)
#     against `git status` on the same tree.
# Prints the medians and the ratios.  Not a test: it never fails on numbers.
#
#   bench/context.sh [RUNS]     (default 5 runs each)
set -euo pipefail

runs=${1:-5}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR
. "$root/bench/lib.sh"
bench_setup

# The newest client may be too new for the engine; take the first that answers.
cli=
for c in /usr/bin/docker /usr/local/bin/docker docker; do
	if DOCKER_BUILDKIT=1 "$c" version >/dev/null 2>&1; then
		cli=$c
		break
	fi
done
[ -n "$cli" ] || { echo "no docker CLI talks to the engine" >&2; exit 1; }
echo "docker CLI for the comparison: $cli ($("$cli" version --format '{{.Client.Version}}'))"

# ratio CSV LABEL TARGET [OTHER]: median of row 1 (aishell) over row 2.
ratio() {
	awk -F, -v what="$2" -v target="$3" -v other="${4:-docker build}" 'NR == 2 { a = $4 } NR == 3 { c = $4 }
		END { printf "%s: aishell %.0f ms, %s %.0f ms, ratio %.2fx (target <= %s)\n",
			what, a * 1000, other, c * 1000, a / c, target }' "$1"
}

P=$work/project
mkdir -p "$P/.aishell" "$P/bulk"
P=$(cd "$P" && pwd -P)
echo small >"$P/small.txt"
for i in 1 2 3 4; do
	head -c 104857600 /dev/urandom >"$P/bulk/part$i"
done

# 1. 400 MB unread.
printf 'FROM %s:base\nCOPY small.txt /small.txt\n' $repo >"$P/.aishell/Dockerfile"
"$aishell" ensure -q -C "$P"
hyperfine --runs "$runs" --warmup 1 --export-csv "$work/copy-one.csv" \
	-n "aishell ensure --force" "$aishell ensure -q --force -C $P" \
	-n "docker build --no-cache (BuildKit)" \
	"DOCKER_BUILDKIT=1 $cli build -q --no-cache -f $P/.aishell/Dockerfile -t $repo:cli $P >/dev/null 2>&1"
ratio "$work/copy-one.csv" "400 MB unread, COPY small.txt" 1.2

# 2. COPY . with the bulk in .dockerignore.
printf 'FROM %s:base\nCOPY . /app\n' $repo >"$P/.aishell/Dockerfile"
printf 'bulk\n' >"$P/.dockerignore"
"$aishell" ensure -q -C "$P"
hyperfine --runs "$runs" --warmup 1 --export-csv "$work/copy-all.csv" \
	-n "aishell ensure --force" "$aishell ensure -q --force -C $P" \
	-n "docker build --no-cache (BuildKit)" \
	"DOCKER_BUILDKIT=1 $cli build -q --no-cache -f $P/.aishell/Dockerfile -t $repo:cli $P >/dev/null 2>&1"
ratio "$work/copy-all.csv" "COPY . with the 400 MB ignored" 1.2
rm -f "$P/.dockerignore"

# 3. Peak RSS while 1 GB is sent.
head -c 629145600 /dev/urandom >"$P/bulk/part5"
printf 'FROM %s:base\nRUN --mount=type=bind,target=/c true\n' $repo >"$P/.aishell/Dockerfile"
/usr/bin/time -v "$aishell" ensure -q --force -C "$P" 2>"$work/time.txt" >/dev/null ||
	echo "aishell failed: $(grep -m1 'aishell:' "$work/time.txt")"
awk -F': ' '/Maximum resident/ { printf "peak RSS sending a 1 GB context: %.1f MB (target <= 16 MB)\n", $2 / 1024 }' \
	"$work/time.txt"
rm -rf "$P/bulk"

# 4. Judging 10,000 unchanged files against git status.
mkdir -p "$P/tree"
for d in $(seq 0 99); do
	mkdir -p "$P/tree/d$d"
	for f in $(seq 0 99); do
		echo "$d $f" >"$P/tree/d$d/f$f"
	done
done
printf 'FROM %s:base\nCOPY . /app\n' $repo >"$P/.aishell/Dockerfile"
printf '.git\n' >"$P/.dockerignore" # git status writes there
git -C "$P" init -q
git -C "$P" config gc.auto 0
git -C "$P" add -A
git -C "$P" -c user.name=b -c user.email=b@b commit -q -m tree
"$aishell" ensure -q -C "$P"
sleep 1
"$aishell" ensure -q --check -C "$P" # the stat cache settles
hyperfine --runs $((runs * 4)) --warmup 3 --export-csv "$work/check.csv" \
	-n "aishell ensure --check" "$aishell ensure -q --check -C $P" \
	-n "git status" "git -C $P status --porcelain >/dev/null"
ratio "$work/check.csv" "judging 10,000 unchanged files" 1.0 "git status"
