#!/usr/bin/env bash
# bench/context.sh: what sending only what the build reads buys.  In one run:
#  1. a forced ext build (`ensure --force`) of a project holding 400 MB the
#     Dockerfile never reads, `COPY small.txt /small.txt`, against
#     `docker build --no-cache` with BuildKit (DOCKER_BUILDKIT=1, the docker CLI
#     that talks to the engine: Debian's 20.10 does BuildKit without buildx);
#  2. the same with `COPY . /app` and a .dockerignore that excludes the bulk;
#  3. aishell's peak RSS (/usr/bin/time -v) sending a 1 GB context
#     (RUN --mount=type=bind of the whole context), as a tar and through a
#     BuildKit session;
#  4. judging an unchanged 10,000-file `COPY .` context (`ensure --check`)
#     against `git status` on the same tree, as a whole command and, by
#     subtracting the same run's figures for a one-file context, the cost
#     of judging the context alone; and, in the same run, what this machine
#     itself costs (bench/floor.c): a bare walk of that tree (listing and an
#     lstat per file on two threads, nothing else), loading libcurl, and an
#     empty process;
#  5. a rebuild after a one-file edit of that project, aishell (`ensure`,
#     whose BuildKit session sends only the changed file) against
#     `docker build` with BuildKit, which does the same, and against
#     aishell sending the whole context as a tar.
# Prints the medians and the ratios.  Not a test: it never fails on numbers.
#
#   bench/context.sh [--judge-only] [--baseline AISHELL] [RUNS]     (default 5 runs each)
#
# --judge-only runs step 4 alone (no bulk is written, nothing is built but
# the two projects' images).  --baseline AISHELL adds another aishell binary
# (say, one built from an older commit) to step 4, in the same hyperfine run
# as the others, so that a change is measured before and after under the
# same load.
set -euo pipefail

judge_only=
baseline=
while [ $# -gt 0 ]; do
	case $1 in
	--judge-only) judge_only=1 ;;
	--baseline)
		baseline=$(realpath "${2:?--baseline needs an aishell binary}")
		shift
		;;
	-*) echo "usage: bench/context.sh [--judge-only] [--baseline AISHELL] [RUNS]" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
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

# hyperfine's CSV ends each row with mean,stddev,median,user,system,min,max;
# the fields are counted from the end, so that a comma in a name is harmless.
# ratio CSV LABEL TARGET [OTHER]: median of row 1 (aishell) over row 2.
ratio() {
	awk -F, -v what="$2" -v target="$3" -v other="${4:-docker build}" 'NR == 2 { a = $(NF - 4) } NR == 3 { c = $(NF - 4) }
		END { printf "%s: aishell %.0f ms, %s %.0f ms, ratio %.2fx (target <= %s)\n",
			what, a * 1000, other, c * 1000, a / c, target }' "$1"
}

P=$work/project
mkdir -p "$P/.aishell"
P=$(cd "$P" && pwd -P)
echo small >"$P/small.txt"

if [ -z "$judge_only" ]; then
mkdir -p "$P/bulk"
for i in 1 2 3 4; do
	head -c 104857600 /dev/urandom >"$P/bulk/part$i"
done

# 1. 400 MB unread.
printf 'FROM %s:base\nCOPY small.txt /small.txt\n' $repo >"$P/.aishell/Dockerfile"
"$aishell" ensure -q -C "$P"
hyperfine --runs "$runs" --warmup 1 --export-csv "$work/copy-one.csv" \
	-n "aishell ensure --force" "$aishell ensure -q --force -C $P" \
	-n "docker build --no-cache (BuildKit)" \
	"DOCKER_BUILDKIT=1 $cli build -q $bench_label --no-cache -f $P/.aishell/Dockerfile -t $repo:cli $P >/dev/null 2>&1"
ratio "$work/copy-one.csv" "400 MB unread, COPY small.txt" 1.2

# 2. COPY . with the bulk in .dockerignore.
printf 'FROM %s:base\nCOPY . /app\n' $repo >"$P/.aishell/Dockerfile"
printf 'bulk\n' >"$P/.dockerignore"
"$aishell" ensure -q -C "$P"
hyperfine --runs "$runs" --warmup 1 --export-csv "$work/copy-all.csv" \
	-n "aishell ensure --force" "$aishell ensure -q --force -C $P" \
	-n "docker build --no-cache (BuildKit)" \
	"DOCKER_BUILDKIT=1 $cli build -q $bench_label --no-cache -f $P/.aishell/Dockerfile -t $repo:cli $P >/dev/null 2>&1"
ratio "$work/copy-all.csv" "COPY . with the 400 MB ignored" 1.2
rm -f "$P/.dockerignore"

# 3. Peak RSS while 1 GB is sent: as a tar (--force), then through a
# BuildKit session (a new Dockerfile; the engine's copy lacks the bulk).
head -c 629145600 /dev/urandom >"$P/bulk/part5"
for how in tar session; do
	printf 'FROM %s:base\nRUN --mount=type=bind,target=/c true\nLABEL how=%s\n' $repo $how >"$P/.aishell/Dockerfile"
	force=--force
	[ $how = tar ] || force=
	/usr/bin/time -v "$aishell" ensure -q $force -C "$P" 2>"$work/time.txt" >/dev/null ||
		echo "aishell failed: $(grep -m1 'aishell:' "$work/time.txt")"
	awk -F': ' -v how=$how '/Maximum resident/ { printf "peak RSS sending a 1 GB context (%s): %.1f MB (target <= 16 MB)\n", how, $2 / 1024 }' \
		"$work/time.txt"
done
rm -rf "$P/bulk"
fi

# 4. Judging 10,000 unchanged files against git status.  The same set-up
# with a one-file context is measured in the same run, so that what judging
# the context costs can be told apart from what any `ensure` costs (process
# start-up, shared libraries, Engine API requests).
mkdir -p "$P/tree"
for d in $(seq 0 99); do
	mkdir -p "$P/tree/d$d"
	for f in $(seq 0 99); do
		echo "$d $f" >"$P/tree/d$d/f$f"
	done
done
S=$work/one-file
mkdir -p "$S/.aishell"
S=$(cd "$S" && pwd -P)
echo one >"$S/one.txt"
for p in "$P" "$S"; do
	printf 'FROM %s:base\nCOPY . /app\n' $repo >"$p/.aishell/Dockerfile"
	printf '.git\n' >"$p/.dockerignore" # git status writes there
	git -C "$p" init -q
	git -C "$p" config gc.auto 0
	git -C "$p" add -A
	git -C "$p" -c user.name=b -c user.email=b@b commit -q -m tree
	"$aishell" ensure -q -C "$p"
done
sleep 1
for p in "$P" "$S"; do
	"$aishell" ensure -q --check -C "$p" # the stat cache settles
done
# The baseline's rows come last, so that the first four are the same
# with and without it.
set -- -n "aishell ensure --check (10000 files)" "$aishell ensure -q --check -C $P" \
	-n "git status (10000 files)" "git -C $P status --porcelain" \
	-n "aishell ensure --check (1 file)" "$aishell ensure -q --check -C $S" \
	-n "git status (1 file)" "git -C $S status --porcelain"
[ -z "$baseline" ] ||
	set -- "$@" -n "baseline ensure --check (10000 files)" "$baseline ensure -q --check -C $P" \
		-n "baseline ensure --check (1 file)" "$baseline ensure -q --check -C $S"
cc -O2 -pthread -o "$work/floor" "$root/bench/floor.c" -ldl
set -- "$@" -n "floor: bare walk (10000 files)" "$work/floor walk $P" \
	-n "floor: dlopen libcurl" "$work/floor dlopen libcurl.so.4" \
	-n "floor: empty process" "$work/floor none"
hyperfine -N --runs $((runs * 4)) --warmup 3 --export-csv "$work/check.csv" "$@"
awk -F, 'NR > 1 { m[NR - 1] = $(NF - 4) * 1000; c[NR - 1] = ($(NF - 3) + $(NF - 2)) * 1000 }
	END {
		printf "judging 10,000 unchanged files, whole command: aishell ensure --check %.1f ms, git status %.1f ms, ratio %.2fx (target <= 1.0)\n",
			m[1], m[2], m[1] / m[2]
		printf "  the same with a one-file context: aishell %.1f ms, git status %.1f ms\n", m[3], m[4]
		printf "judging the context alone (10,000 files minus one file): aishell %.1f ms; ratio %.2fx to the whole git status (%.1f ms), %.2fx to what 10,000 files add to git status (%.1f ms)\n",
			m[1] - m[3], (m[1] - m[3]) / m[2], m[2], (m[1] - m[3]) / (m[2] - m[4]), m[2] - m[4]
		printf "  CPU time (user + system, means), which a loaded machine disturbs less: aishell %.1f ms (one file %.1f ms, the context alone %.1f ms), git status %.1f ms (one file %.1f ms)\n",
			c[1], c[3], c[1] - c[3], c[2], c[4]
		if (base != "")
			printf "  baseline (%s): ensure --check %.1f ms, ratio %.2fx to git status (one file %.1f ms); CPU %.1f ms (one file %.1f ms)\n",
				base, m[5], m[5] / m[2], m[6], c[5], c[6]
		n = NR - 1
		printf "floor of this machine: a bare walk of the 10,000 files (listing, an lstat each, two threads) %.1f ms, %.2fx git status; loading libcurl %.1f ms more than an empty process (%.1f ms); the two one after the other %.2fx git status\n",
			m[n - 2], m[n - 2] / m[2], m[n - 1] - m[n], m[n], (m[n - 2] + m[n - 1] - m[n]) / m[2]
	}' base="$baseline" "$work/check.csv"
[ -z "$judge_only" ] || exit 0

# 5. A rebuild after a one-file edit of the 10,000-file `COPY . /app`
# project: aishell through its BuildKit session (the engine asks only for
# what changed), aishell sending the context as a tar
# (AISHELL_CONTEXT_TRANSFER=tar), and the docker CLI's BuildKit session.
hyperfine --runs "$runs" --warmup 1 --export-csv "$work/edit.csv" \
	-n "aishell ensure after a one-file edit (session)" \
	--prepare "date +%s%N >$P/tree/d0/f0" "$aishell ensure -q -C $P" \
	-n "docker build after a one-file edit (BuildKit)" \
	--prepare "date +%s%N >$P/tree/d0/f0" \
	"DOCKER_BUILDKIT=1 $cli build -q $bench_label -f $P/.aishell/Dockerfile -t $repo:cli $P >/dev/null 2>&1" \
	-n "aishell ensure after a one-file edit (tar)" \
	--prepare "date +%s%N >$P/tree/d0/f0" "env AISHELL_CONTEXT_TRANSFER=tar $aishell ensure -q -C $P"
awk -F, 'NR == 2 { a = $(NF - 4) } NR == 3 { c = $(NF - 4) } NR == 4 { t = $(NF - 4) }
	END { printf "rebuild after a one-file edit of 10,000 files (COPY . /app): aishell %.0f ms, docker build %.0f ms, ratio %.2fx (target <= 1.2); as a tar: aishell %.0f ms, %.2fx\n",
		a * 1000, c * 1000, a / c, t * 1000, t / c }' "$work/edit.csv"
