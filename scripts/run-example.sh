#!/usr/bin/env bash
# Builds Shoal and opens its window on the example stack (examples/whoami/compose.yaml).
#
# On a fresh Debian 12 machine, as root: installs the packages it needs, makes sure a
# Docker engine answers (starting dockerd in the background when none does), builds Shoal
# and the example's static binary, then opens the window. Without a display it says so and
# shows how to run the same stack headless.
#
# Usage: scripts/run-example.sh [--headless] [shoal options...]
# Environment: BUILD_DIR (default build), JOBS (default: cores).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
build="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"
compose=examples/whoami/compose.yaml

headless=0
if [ "${1:-}" = "--headless" ]; then
    headless=1
    shift
fi

scripts/install-deps.sh
scripts/ensure-dockerd.sh

echo "run-example: building Shoal in $build" >&2
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target shoal shoal-whoami

if [ "$headless" = 1 ]; then
    exec "$build/app/shoal" run -f "$compose" --status-json "$@"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "run-example: no display (DISPLAY is unset). Run it headless instead:" >&2
    echo "  $build/app/shoal run -f $compose --scale web=3 --status-json" >&2
    echo "  or: scripts/run-example.sh --headless" >&2
    exit 2
fi
exec "$build/app/shoal" "$compose" "$@"
