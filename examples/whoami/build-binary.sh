#!/usr/bin/env bash
# Compiles whoami.cpp into a static binary next to the Dockerfile, where `docker build` and
# Shoal's own image build expect it. CXX picks the compiler (default g++).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cxx="${CXX:-g++}"
# Written under a temporary name and renamed, so a concurrent image build never sees half a file.
tmp="$(mktemp "$here/.whoami.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

"$cxx" -std=c++17 -O2 -Wall -Wextra -pthread -static -s -o "$tmp" "$here/whoami.cpp"
chmod 755 "$tmp"
mv -f "$tmp" "$here/whoami"
echo "built $here/whoami"
