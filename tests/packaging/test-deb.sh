#!/usr/bin/env bash
# Builds the .deb from a build tree, installs it, checks the installed files, removes it.
#
#   tests/packaging/test-deb.sh BUILD_DIR
#
# Needs root, because it installs the package system-wide; exits 77 (skipped) otherwise.
# The build tree must be built already: cpack packages what is there, it does not build.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -f "$1/CPackConfig.cmake" ]; then
    echo "usage: $0 BUILD_DIR  (a configured and built Shoal build tree)" >&2
    exit 2
fi
build_dir="$(cd "$1" && pwd)"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
app_id=io.github.shoal.Shoal

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: installing a package needs root"
    exit 77
fi
for tool in cpack dpkg-deb apt-get desktop-file-validate appstreamcli; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"
        exit 77
    fi
done
# A shoal copied into /usr by hand would be overwritten and then deleted by dpkg -r.
if [ -e /usr/bin/shoal ] && ! dpkg -S /usr/bin/shoal >/dev/null 2>&1; then
    echo "FAIL: /usr/bin/shoal exists and belongs to no package; remove it first" >&2
    exit 1
fi

failures=()
pass() { echo "PASS: $1"; }
fail() {
    echo "FAIL: $1" >&2
    failures+=("$1")
}
# check DESCRIPTION COMMAND...: runs the command, shows its output when it fails.
check() {
    local what="$1" output
    shift
    if output="$("$@" 2>&1)"; then
        pass "$what"
    else
        fail "$what (exit $?)"
        printf '%s\n' "$output" | sed 's/^/    /' >&2
    fi
}

shoal_not_installed() {
    ! dpkg-query -W -f='${Status}' shoal 2>/dev/null | grep -q 'ok installed'
}
man_page_is_clean() {
    local warnings
    warnings="$(zcat /usr/share/man/man1/shoal.1.gz | groff -man -ww -z 2>&1)" || return 1
    [ -z "$warnings" ] || { printf '%s\n' "$warnings"; return 1; }
}

work="$(mktemp -d /tmp/shoal-test-deb.XXXXXX)"
# apt reads local packages as the _apt user, which needs to see into the directory.
chmod 755 "$work"
installed_by_us=0
cleanup() {
    if [ "$installed_by_us" = 1 ] && dpkg -s shoal >/dev/null 2>&1; then
        dpkg -r shoal >/dev/null 2>&1
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== packaging $build_dir"
if ! (cd "$build_dir" && cpack -G DEB -B "$work") >"$work/cpack.log" 2>&1; then
    fail "cpack -G DEB"
    sed 's/^/    /' "$work/cpack.log" >&2
    exit 1
fi
pass "cpack -G DEB"
debs=("$work"/shoal_*.deb)
if [ ! -f "${debs[0]}" ]; then
    fail "cpack wrote no shoal_*.deb into $work"
    exit 1
fi
deb="${debs[0]}"
echo "   $(basename "$deb")"

version="$(dpkg-deb -f "$deb" Version)"
upstream_version="${version%-*}"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "   Depends: $depends"
check "Depends was filled in by dpkg-shlibdeps" test -n "$depends"
check "Depends names libc6" grep -q 'libc6' <<<"$depends"
contents="$(dpkg-deb -c "$deb")"
for path in ./usr/bin/shoal ./usr/share/doc/shoal/changelog.Debian.gz \
    ./usr/share/doc/shoal/copyright ./usr/share/man/man1/shoal.1.gz \
    "./usr/share/applications/$app_id.desktop" "./usr/share/metainfo/$app_id.metainfo.xml" \
    "./usr/share/icons/hicolor/scalable/apps/$app_id.svg" \
    "./usr/share/icons/hicolor/48x48/apps/$app_id.png"; do
    check "package contains $path" grep -q " $path\$" <<<"$contents"
done
# The window is a module the executable loads from the library directory (app/windowmodule.h).
with_window=0
grep -q '^SHOAL_BUILD_UI:BOOL=ON' "$build_dir/CMakeCache.txt" && with_window=1
if [ "$with_window" = 1 ]; then
    check "package contains the window module" \
        grep -qE ' \./usr/lib/([^/]+/)?shoal/libshoal-window\.so$' <<<"$contents"
fi

echo "== installing"
if apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1; then
    installed_by_us=1
    pass "apt-get install $(basename "$deb")"
else
    fail "apt-get install $(basename "$deb")"
    sed 's/^/    /' "$work/apt.log" >&2
fi

if [ "$installed_by_us" = 1 ]; then
    check "/usr/bin/shoal is executable" test -x /usr/bin/shoal
    if out="$(/usr/bin/shoal --version 2>&1)"; then
        pass "shoal --version"
        check "shoal --version names $upstream_version" grep -qF "$upstream_version" <<<"$out"
    else
        fail "shoal --version (exit $?): $out"
    fi
    if [ "$with_window" = 1 ]; then
        # --help is answered inside the module, so this loads it from the installed path.
        check "installed shoal loads its window module" \
            env QT_QPA_PLATFORM=offscreen /usr/bin/shoal -f /dev/null --help
    fi
    compose="$repo/examples/whoami/compose.yaml"
    if out="$(QT_QPA_PLATFORM=offscreen /usr/bin/shoal config -f "$compose" 2>&1)"; then
        pass "shoal config -f examples/whoami/compose.yaml"
        check "shoal config prints the web service" grep -q 'web' <<<"$out"
    else
        fail "shoal config -f examples/whoami/compose.yaml (exit $?)"
        printf '%s\n' "$out" | sed 's/^/    /' >&2
    fi
    check "installed desktop entry passes desktop-file-validate" \
        desktop-file-validate "/usr/share/applications/$app_id.desktop"
    check "installed metainfo passes appstreamcli validate" \
        appstreamcli validate --no-net "/usr/share/metainfo/$app_id.metainfo.xml"
    check "installed man page formats without warnings" man_page_is_clean
    check "installed changelog is gzip" gzip -t /usr/share/doc/shoal/changelog.Debian.gz

    echo "== removing"
    check "dpkg -r shoal" dpkg -r shoal
    check "/usr/bin/shoal is gone" test ! -e /usr/bin/shoal
    check "dpkg no longer lists shoal as installed" shoal_not_installed
    leftovers="$(awk '$1 ~ /^-/ {sub(/^\./, "", $6); print $6}' <<<"$contents" |
        while read -r file; do [ -e "$file" ] && echo "$file"; done)"
    check "no packaged file is left behind" test -z "$leftovers"
    if [ -n "$leftovers" ]; then
        printf '    %s\n' "$leftovers" >&2
    fi
    installed_by_us=0
fi

if [ "${#failures[@]}" -gt 0 ]; then
    echo "== ${#failures[@]} check(s) failed:" >&2
    printf '  - %s\n' "${failures[@]}" >&2
    exit 1
fi
echo "== all checks passed"
