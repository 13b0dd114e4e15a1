#!/usr/bin/env bash
# The window lives in libshoal-window.so so that the headless commands stay light (see
# app/windowmodule.h). Checks that the executable does not link the UI libraries, that the
# module exports its entry point only, and that the window path finds the module next to the
# executable and in an installed tree, or says clearly where it looked.
#
#   check-windowmodule.sh BUILD_DIR
set -uo pipefail
build_dir="$1"
shoal="$build_dir/app/shoal"
module="$build_dir/app/libshoal-window.so"
work="$(mktemp -d /tmp/shoal-windowmodule.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL: $1" >&2
    failures=$((failures + 1))
}
pass() { echo "PASS: $1"; }

needed="$(readelf -d "$shoal" | grep NEEDED)"
if grep -qE 'libQt6(Widgets|Gui|Charts|OpenGL)' <<<"$needed"; then
    fail "shoal links UI libraries:"$'\n'"$needed"
else
    pass "shoal links no UI library"
fi

exported="$(nm -D --defined-only "$module" | awk '{print $3}')"
if [ "$exported" = shoal_window_main ]; then
    pass "the module exports shoal_window_main only"
else
    fail "the module exports: $(tr '\n' ' ' <<<"$exported")"
fi

# --help is answered by the window command inside the module, after it made the QApplication.
# check_window_help DESCRIPTION SHOAL
check_window_help() {
    local out
    if out="$(QT_QPA_PLATFORM=offscreen "$2" -f /dev/null --help 2>&1)" &&
        grep -q "Shoal's window" <<<"$out"; then
        pass "$1"
    else
        fail "$1: $out"
    fi
}
check_window_help "the window path loads the module from the build tree" "$shoal"

# Every option of the window may come before the files, --profile too.
if out="$(QT_QPA_PLATFORM=offscreen "$shoal" --profile web -f /dev/null --help 2>&1)" &&
    grep -q "Shoal's window" <<<"$out"; then
    pass "the window takes --profile before its files"
else
    fail "shoal --profile web -f /dev/null --help: $out"
fi

prefix="$work/prefix"
if cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" 2>&1; then
    check_window_help "the window path loads the module from an installed tree" \
        "$prefix/bin/shoal"
else
    fail "cmake --install: $(cat "$work/install.log")"
fi

mkdir "$work/alone"
cp "$shoal" "$work/alone/shoal"
out="$(QT_QPA_PLATFORM=offscreen "$work/alone/shoal" compose.yaml 2>&1)"
status=$?
if [ "$status" = 2 ] && grep -qF "$work/alone/libshoal-window.so: " <<<"$out" &&
    grep -qF "shoal run -f FILE" <<<"$out"; then
    pass "without the module: exit 2, the paths tried and the headless command"
else
    fail "without the module (exit $status): $out"
fi

out="$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$shoal" compose.yaml 2>&1)"
status=$?
if [ "$status" = 2 ] && grep -q "no display" <<<"$out"; then
    pass "without a display: exit 2, no display"
else
    fail "without a display (exit $status): $out"
fi

exit "$failures"
