#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS | --runs N]: build the libFuzzer targets with
# clang (ASan+UBSan) in build-fuzz/ and run each for SECONDS (default 60), or
# for exactly N inputs from a fixed seed (repeatable: what the test command
# runs), starting from the seed corpus in tests/fuzz/corpus/<target>/
# (copied, so the repository is not written).  A crash stops the run with
# exit 1 and leaves the input in build-fuzz/crashes/; make it a regression
# test and add the input to the corpus.
set -euo pipefail

if [ "${1:-}" = --runs ]; then
	limit="-runs=${2:?--runs needs a number} -seed=1"
	what="${2} inputs (seed 1)"
else
	limit="-max_total_time=${1:-60}"
	what="${1:-60}s"
fi
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"
command -v clang >/dev/null || {
	echo "tests/fuzz/run.sh: clang is needed (apt-get install clang)" >&2
	exit 1
}
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DAIS_FUZZ=ON -DBUILD_TESTING=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 >/dev/null
mkdir -p build-fuzz/crashes
failed=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	target=${name#fuzz_}
	corpus=$(mktemp -d)
	[ -d "tests/fuzz/corpus/$target" ] && cp -r "tests/fuzz/corpus/$target/." "$corpus/"
	echo "== $name: $what"
	if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"build-fuzz/tests/fuzz/$name" $limit -max_len=65536 \
		-artifact_prefix="build-fuzz/crashes/$name-" -print_final_stats=1 "$corpus" \
		>"build-fuzz/$name.log" 2>&1; then
		tail -40 "build-fuzz/$name.log" >&2
		failed=1
	fi
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "build-fuzz/$name.log" | tail -1 || true
	rm -rf "$corpus"
done
rm -f /tmp/ais-fuzz-global-*.yaml /tmp/ais-fuzz-project-*.yaml
if [ "$failed" = 0 ]; then echo "fuzz: all targets ran $what without a crash"; fi
exit "$failed"
