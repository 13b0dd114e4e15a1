#!/usr/bin/env bash
# Installs the Debian 12 packages that Shoal needs to build, test and run.
#
#   scripts/install-deps.sh                 everything: build, tests, packaging checks, runtime
#   scripts/install-deps.sh --runtime-only  only what the installed shoal needs to run
#
# Safe to run again: packages already installed are left alone, and the package lists are
# refreshed only when something is missing. Without root, it installs nothing and prints the
# command to run with sudo.
set -euo pipefail

usage() {
    sed -n '2,9s/^# \{0,1\}//p' "$0"
}

runtime_only=0
for arg in "$@"; do
    case "$arg" in
    --runtime-only) runtime_only=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "install-deps: unknown option: $arg" >&2
        usage >&2
        exit 2
        ;;
    esac
done

# What the shoal binary links against, its Qt platform plugins, and the engine it drives;
# ca-certificates lets that engine pull base images over TLS.
runtime=(
    libqt6core6 libqt6gui6 libqt6widgets6 libqt6network6 libqt6charts6 qt6-qpa-plugins
    libyaml-cpp0.7 libhttp-parser2.9 libarchive13
    docker.io ca-certificates
)
build=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev libgl-dev
    libyaml-cpp-dev libhttp-parser-dev libarchive-dev
    clang-14 libclang-rt-14-dev clang-format
)
# Tests start dockerd and containers, run the window on a virtual display, load the replicas
# with wrk, make TLS certificates with openssl, and validate the packaged desktop entry and
# metainfo. CPack's DEB generator calls dpkg-shlibdeps (dpkg-dev) and file. The benchmarks
# add nginx and HAProxy as anchors and /usr/bin/time.
test=(
    docker-compose busybox-static xvfb xauth curl jq wrk openssl
    desktop-file-utils appstream imagemagick dpkg-dev file
    nginx-light haproxy time
)

wanted=("${runtime[@]}")
if [ "$runtime_only" = 0 ]; then
    wanted+=("${build[@]}" "${test[@]}")
fi

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for pkg in "${wanted[@]}"; do
    if ! installed "$pkg"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" = 0 ]; then
    echo "install-deps: all ${#wanted[@]} packages are installed"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: only root can install them; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
apt-get update -qq
# Recommends would pull in a full desktop stack alongside Qt; everything needed is listed.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
