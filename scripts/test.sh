#!/usr/bin/env bash
# Builds Shoal and runs every check CI runs: formatting, the QtTest suites (against the real
# Docker engine, started here when none answers), the unit suites again under AddressSanitizer
# and UndefinedBehaviorSanitizer, and each fuzzer for a bounded time.
#
# Usage: scripts/test.sh [--quick]    --quick skips the sanitizer build and the fuzzers.
# Environment: BUILD_DIR (default build), JOBS (default: cores), FUZZ_SECONDS (default 30),
# CTEST_ARGS (extra ctest arguments, e.g. "-LE outage" to keep dockerd running).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
build="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"
fuzz_seconds="${FUZZ_SECONDS:-30}"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
scripts/install-deps.sh

step "formatting (clang-format, see .clang-format)"
mapfile -t sources < <(git ls-files -co --exclude-standard -- \
    'app/*.cpp' 'app/*.h' 'core/*.cpp' 'core/*.h' 'ui/*.cpp' 'ui/*.h' 'tests/*.cpp' 'tests/*.h' \
    'fuzz/*.cpp' 'bench/*.cpp' 'examples/*.cpp')
clang-format --dry-run --Werror "${sources[@]}"

step "build ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs"

step "Docker engine"
scripts/ensure-dockerd.sh

step "tests"
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j "$jobs" ${CTEST_ARGS:-}

if [ "$quick" = 1 ]; then
    exit 0
fi

step "unit tests under ASan + UBSan ($build-asan)"
cmake -S . -B "$build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSHOAL_SANITIZE=ON \
    -DSHOAL_BUILD_UI=OFF >/dev/null
cmake --build "$build-asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$build-asan" --output-on-failure -j "$jobs" -L unit

step "fuzzers, ${fuzz_seconds}s each ($build-fuzz)"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSHOAL_FUZZ=ON -DSHOAL_BUILD_UI=OFF -DSHOAL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build-fuzz" -j "$jobs" --target shoal_fuzzers
for fuzzer in "$build-fuzz"/fuzz/*/fuzz_*; do
    [ -f "$fuzzer" ] && [ -x "$fuzzer" ] || continue
    name="$(basename "$fuzzer")"
    corpus="$(mktemp -d)"
    # Seeds: the compose fixtures of the test suite for the loader's fuzzer.
    if [ "$name" = fuzz_composeloader ]; then
        find tests/compose/data -name '*.y*ml' -exec cp --backup=numbered -t "$corpus" {} +
    fi
    echo "fuzzing $name"
    "$fuzzer" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 "$corpus" 2>&1 | tail -n 3
    rm -rf "$corpus"
done

step "all checks passed"
