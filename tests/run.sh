#!/usr/bin/env bash
# tests/run.sh: the test command of aishell. Works from any directory.
#
#   tests/run.sh           build build/ and build-asan/ (ASan+UBSan), start an engine, run all tests in both,
#                          then the unit tests under valgrind, the aishell commands of some integration tests
#                          (AIS_VALGRIND_TESTS) under valgrind, and each fuzz target on AIS_FUZZ_RUNS (30000)
#                          inputs from a fixed seed (repeatable; tests/fuzz/run.sh SECONDS fuzzes longer)
#   tests/run.sh --quick   only the build/ tree
#   tests/run.sh --unit    only unit tests (ctest -L unit); no engine needed
#
# Missing packages are installed with apt-get (root). The engine is the one at $DOCKER_HOST or
# /var/run/docker.sock if it answers, else a private dockerd that is stopped again on exit
# (see tests/lib/engine.sh). Exit status: 0 if every stage passed.
set -euo pipefail

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

quick=0
unit=0
for arg in "$@"; do
    case $arg in
        --quick) quick=1 ;;
        --unit) unit=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "tests/run.sh: unknown option: $arg" >&2
            usage >&2
            exit 2
            ;;
    esac
done

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR/..
. tests/lib/engine.sh

engine_ensure_packages

trees=(build)
if [ "$quick" = 0 ]; then trees+=(build-asan); fi

declare -A status=()
failed=0

# Configure and build every tree; a tree that does not build is reported and its tests are skipped.
for tree in "${trees[@]}"; do
    case $tree in
        build) opts=(-DAIS_WERROR=ON -DAIS_SANITIZE=OFF) ;;
        build-asan) opts=(-DAIS_SANITIZE=ON -DAIS_WERROR=ON) ;;
    esac
    echo "== configure + build $tree" >&2
    if cmake -S . -B "$tree" "${opts[@]}" && cmake --build "$tree" -j2; then
        status[$tree]=built
    else
        status[$tree]="FAIL (build)"
        failed=1
    fi
done

# lefthook (an npm package) for the hooks ecosystem test; without it that one test is skipped.
ensure_lefthook() {
    local dir=$root/build/tools lh
    if [ -n "${AIS_LEFTHOOK:-}" ]; then return 0; fi
    lh=$(find "$dir/node_modules" -path '*/bin/lefthook' -type f 2>/dev/null | head -1 || true)
    if [ -z "$lh" ]; then
        if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends npm >&2 || true
        fi
        if command -v npm >/dev/null 2>&1; then
            echo "== npm install lefthook into $dir" >&2
            mkdir -p "$dir"
            npm install --no-save --no-audit --no-fund --ignore-scripts --prefix "$dir" lefthook@2 >&2 || true
            lh=$(find "$dir/node_modules" -path '*/bin/lefthook' -type f 2>/dev/null | head -1 || true)
        fi
    fi
    if [ -n "$lh" ] && "$lh" version >/dev/null 2>&1; then
        export AIS_LEFTHOOK=$lh
    else
        echo "tests/run.sh: lefthook unavailable; t1095-hooks-lefthook will be skipped" >&2
    fi
}

ctest_args=(--output-on-failure --no-tests=error)
engine=skipped
engine_ok=0
if [ "$unit" = 1 ]; then
    ctest_args+=(-L unit)
else
    trap engine_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ensure_lefthook
    if engine_up; then
        engine=$DOCKER_HOST
        engine_ok=1
    else
        # Still run the unit tests, but the run fails.
        engine="FAIL (no engine)"
        failed=1
        ctest_args+=(-L unit)
    fi
fi

for tree in "${trees[@]}"; do
    [ "${status[$tree]}" = built ] || continue
    echo "== ctest $tree" >&2
    if [ "$tree" = build-asan ]; then
        rc=0
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            ctest --test-dir "$tree" "${ctest_args[@]}" || rc=$?
    else
        rc=0
        ctest --test-dir "$tree" "${ctest_args[@]}" || rc=$?
    fi
    if [ "$rc" = 0 ]; then
        status[$tree]=pass
    else
        status[$tree]="FAIL (ctest exit $rc)"
        failed=1
    fi
done

# Full runs also check the unit tests under valgrind memcheck and run every
# libFuzzer target for a short bounded time (tests/fuzz/run.sh runs longer).
extra=
if [ "$quick" = 0 ] && [ "${status[build]:-}" = pass ]; then
    echo "== valgrind memcheck: unit tests" >&2
    if valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --suppressions=tests/valgrind.supp \
        build/tests/unit_tests >build/valgrind.log 2>&1; then
        extra="$extra valgrind: pass ($(tail -1 build/valgrind.log));"
    else
        tail -40 build/valgrind.log >&2
        extra="$extra valgrind: FAIL;"
        failed=1
    fi
    if [ "$engine_ok" = 1 ]; then
        # Every aishell command these tests run goes through memcheck (tests/lib/valgrind-aishell.sh); the
        # hooks' own runs of the recorded binary do not.
        vg_tests=${AIS_VALGRIND_TESTS:-t0400-failed-build t1200-engine-faults t1310-hostile-contents}
        vg_logs=$root/build/valgrind-integration
        vg_failed=0
        echo "== valgrind memcheck: integration ($vg_tests)" >&2
        rm -rf "$vg_logs"
        mkdir -p "$vg_logs"
        for t in $vg_tests; do
            if ! AISHELL=$root/tests/lib/valgrind-aishell.sh AIS_VALGRIND_BIN=$root/build/src/aishell \
                AIS_VALGRIND_LOGS=$vg_logs AIS_SRC=$root FAKE_ENGINE=$root/build/tests/fake_engine \
                sh "tests/integration/$t.sh" >"$vg_logs/$t.out" 2>&1; then
                tail -30 "$vg_logs/$t.out" >&2
                vg_failed=1
            fi
        done
        for log in "$vg_logs"/vg.*.log; do
            if [ -s "$log" ]; then
                cat "$log" >&2
                vg_failed=1
            fi
        done
        if [ "$vg_failed" = 0 ]; then
            extra="$extra valgrind integration: pass;"
        else
            extra="$extra valgrind integration: FAIL;"
            failed=1
        fi
    fi
    if [ "$unit" = 0 ]; then
        echo "== fuzz: ${AIS_FUZZ_RUNS:-30000} inputs per target, fixed seed" >&2
        if bash tests/fuzz/run.sh --runs "${AIS_FUZZ_RUNS:-30000}" >&2; then
            extra="$extra fuzz: pass;"
        else
            extra="$extra fuzz: FAIL;"
            failed=1
        fi
    fi
fi

mode=full
if [ "$unit" = 1 ]; then mode=unit; fi
if [ "$quick" = 1 ]; then mode="$mode,quick"; fi
summary=
for tree in "${trees[@]}"; do summary="$summary $tree: ${status[$tree]};"; done
if [ "$failed" = 0 ]; then result=PASS; else result=FAIL; fi
echo "tests/run.sh [$mode] $result:$summary$extra engine: $engine"
exit "$failed"
