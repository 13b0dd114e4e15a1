#!/usr/bin/env bash
# Runs the shared proxy benchmark with `shoal proxy` as the candidate, with host backends and
# with container backends, keeping the reports under /tmp.
#
#   bench/proxy/run.sh [SHOAL_BINARY] [extra proxy-bench.sh options...]
#
# SHOAL_BINARY defaults to the first of $SHOAL_BIN, build/app/shoal, ../build/app/shoal that
# exists. Extra options go to proxy-bench.sh unchanged (default: --rounds 1 --duration 5).
#
# The harness starts a candidate with setsid, and with the kernel's autogroup scheduling
# (kernel.sched_autogroup_enabled=1, Debian's default) a new session is a scheduling group
# of its own: on two cores that alone halves a single-threaded proxy against nginx, which
# shares wrk's group (nginx started the candidate's way measured 0.5x itself; see
# bench/results/proxy-issue6-notes.md). So that both proxies compete for the CPU on the same
# terms, this script turns autogroup off for the run when it can, and restores it after.
# KEEP_AUTOGROUP=1 leaves it alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bench=${PROXY_BENCH:-$repo/../shared/bench/proxy-bench.sh}

shoal=""
if [ $# -gt 0 ] && [ -x "$1" ]; then
    shoal=$1
    shift
else
    for candidate in "${SHOAL_BIN:-}" "$repo/build/app/shoal" "$repo/../build/app/shoal"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            shoal=$candidate
            break
        fi
    done
fi
if [ -z "$shoal" ]; then
    echo "run.sh: no shoal binary found; pass its path as the first argument" >&2
    exit 2
fi
if [ ! -x "$bench" ]; then
    echo "run.sh: $bench not found (set PROXY_BENCH)" >&2
    exit 2
fi

options=("$@")
if [ ${#options[@]} -eq 0 ]; then
    options=(--rounds 1 --duration 5)
fi

autogroup=/proc/sys/kernel/sched_autogroup_enabled
if [ "${KEEP_AUTOGROUP:-0}" != 1 ] && [ -w "$autogroup" ] && [ "$(cat "$autogroup")" = 1 ]; then
    echo 0 >"$autogroup"
    trap 'echo 1 >"$autogroup"' EXIT
    echo "run.sh: autogroup scheduling off for this run (restored at exit)"
fi

export RESULTS_DIR=${RESULTS_DIR:-/tmp/shoal-proxy-bench}
mkdir -p "$RESULTS_DIR"
shoal=$(cd "$(dirname "$shoal")" && pwd)/$(basename "$shoal")

for mode in host docker; do
    echo "== backends: $mode"
    "$bench" --backend-mode "$mode" "${options[@]}" \
        --candidate "$shoal proxy --listen 127.0.0.1:{PORT} --backends {BACKENDS}" \
        --candidate-name shoal
done
echo "reports in $RESULTS_DIR"
