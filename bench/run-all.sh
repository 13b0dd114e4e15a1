#!/usr/bin/env bash
# bench/run-all.sh -- every Shoal benchmark in one go, each side by side with its anchor:
#   proxy         bench/proxy/run.sh          shoal proxy vs nginx/HAProxy (other owner; run if present,
#                                             its reports copied here as proxy-<TS>-*.md)
#   compose-load  bench/compose-load/run.sh   compose loader vs docker-compose config (other owner;
#                                             needs composeloadbench: -DSHOAL_BUILD_BENCH=ON, or
#                                             COMPOSELOADBENCH=path; output wrapped in compose-load-<TS>.md)
#   scale         bench/scale/run.sh          Shoal vs docker-compose, 1 -> 8 -> 1
#   drain         bench/drain/run.sh          failed requests, scale 4 -> 1 under load, Shoal vs nginx reload
#   stats         bench/stats/run.sh          CPU of following 50 containers' stats, Shoal vs docker stats
# Each writes its Markdown report(s) into bench/results/ (named by UTC date-time); this
# script adds bench/results/run-all-<UTC yyyymmdd-hhmmss>.md listing them with exit codes.
#
#   bench/run-all.sh [options]
#     --quick         short development settings (proxy --rounds 1 --duration 5, compose-load 3 rounds,
#                     scale --reps 1, drain --runs 1 --duration 10, stats --duration 10);
#                     default: the settings quoted in bench/README.md (~12 min in all)
#     --only LIST     comma-separated subset of: proxy,compose-load,scale,drain,stats
#     --shoal PATH    shoal binary (exported as SHOAL; default <repo>/../build-bench/app/shoal)
#     --shared DIR    shared harness (exported as SHARED_BENCH; default <repo>/../shared/bench)
#     --out DIR       reports directory (default bench/results)
#     -h, --help
# Every step is bounded (timeout 20 min each) and cleans up after itself (traps); a failing
# step is recorded and the next one still runs.  Exit code: 0 if every step exited 0.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench/lib/shoal-bench.sh
. "$HERE/lib/shoal-bench.sh"
BENCH_NAME=run-all
export SHARED_BENCH="${SHARED_BENCH:-$REPO/../shared/bench}"
export SHOAL="${SHOAL:-$REPO/../build-bench/app/shoal}"
OUT="$HERE/results"
QUICK=0 ONLY="proxy,compose-load,scale,drain,stats"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --shared) SHARED_BENCH="$2"; shift 2 ;;
    *) bench_common_option 24 "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
# shellcheck disable=SC2119   # no hint: plain "no shoal binary at PATH"
bench_require_shoal
mkdir -p "$OUT"
TS=$(date -u +%Y%m%d-%H%M%S)
LIST=$(mktemp /tmp/bench-run-all.XXXXXX)
cleanup() {   # run once by the EXIT trap (bench_install_traps)
  rm -f "$LIST"   # each step's own trap removes its processes, containers and networks
}
bench_install_traps

if [ "$QUICK" = 1 ]; then
  SCALE_ARGS=(--reps 1) DRAIN_ARGS=(--runs 1 --duration 10 --scale-at 4) STATS_ARGS=(--duration 10 --settle 3)
  PROXY_ARGS=(--rounds 1 --duration 5) CL_ROUNDS=3
else
  SCALE_ARGS=(--reps 3) DRAIN_ARGS=(--runs 2) STATS_ARGS=(--duration 30)
  PROXY_ARGS=(--rounds 3 --duration 8) CL_ROUNDS=5
fi

ALL_OK=0
# proxy (other owner's bench/proxy/run.sh: [SHOAL] [proxy-bench.sh options], reports to
# $RESULTS_DIR): run it with a private RESULTS_DIR, copy its reports here as proxy-<TS>-*.md
run_proxy() {
  local tmp rc=0 f
  tmp=$(mktemp -d /tmp/bench-run-all-proxy.XXXXXX)
  PROXY_BENCH="$SHARED_BENCH/proxy-bench.sh" RESULTS_DIR="$tmp" "$HERE/proxy/run.sh" "$SHOAL" "$@" || rc=$?
  local mode
  for f in "$tmp"/*.md; do
    [ -f "$f" ] || continue
    mode=$(sed -n 's/.*--backend-mode \([a-z]*\).*/\1/p' "$f" | head -1)
    cp "$f" "$OUT/proxy-$TS-${mode:-$(basename "$f" .md)}.md"
  done
  rm -rf "$tmp"
  return "$rc"
}
# compose-load (other owner's bench/compose-load/run.sh BENCH_BINARY [ROUNDS], prints to stdout;
# the binary needs -DSHOAL_BUILD_BENCH=ON): wrap its output in a Markdown report
run_compose_load() {
  local bin="${COMPOSELOADBENCH:-$(dirname "$SHOAL")/../bench/compose-load/composeloadbench}" rc=0 rep
  if [ ! -x "$bin" ]; then
    log "compose-load: no composeloadbench at $bin (configure with -DSHOAL_BUILD_BENCH=ON, build target composeloadbench, or set COMPOSELOADBENCH)"
    return 3
  fi
  rep="$OUT/compose-load-$TS.md"
  { echo "# compose-load $TS UTC"; echo; echo "Command: \`bench/compose-load/run.sh composeloadbench $1\`"; echo; echo '```'; } >"$rep"
  "$HERE/compose-load/run.sh" "$bin" "$1" >>"$rep" 2>&1 || rc=$?
  echo '```' >>"$rep"
  cat "$rep" >&2
  return "$rc"
}

step() {   # step NAME SCRIPT-OR-FUNCTION ARGS...
  local name="$1" cmd="$2"; shift 2
  case ",$ONLY," in *",$name,"*) ;; *) return 0 ;; esac
  if [ "$(type -t "$cmd")" != function ] && [ ! -x "$cmd" ]; then
    log "$name: $cmd not present, skipped"; printf '%s\t%s\t%s\t%s\n' "$name" "skipped (no ${cmd#$REPO/})" "-" "" >>"$LIST"; return 0
  fi
  log "=== $name: ${cmd#$REPO/} $*"
  local before after rc=0 t0 t1
  before=$(ls "$OUT" 2>/dev/null | sort)
  t0=$(date +%s)
  # foreground, so that Ctrl+C reaches the step and its harness, whose traps clean up
  if [ "$(type -t "$cmd")" = function ]; then
    "$cmd" "$@" >&2 || rc=$?      # these call scripts that bound their own run time
  else
    timeout --foreground 1200 "$cmd" "$@" >&2 || rc=$?
  fi
  t1=$(date +%s)
  after=$(ls "$OUT" 2>/dev/null | sort)
  [ "$rc" = 0 ] || ALL_OK=1
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$((t1 - t0))" "$(comm -13 <(echo "$before") <(echo "$after") | grep '\.md$' | tr '\n' ' ')" >>"$LIST"
  log "$name: exit $rc after $((t1 - t0)) s"
}

[ -x "$HERE/proxy/run.sh" ] && step proxy run_proxy "${PROXY_ARGS[@]}" || step proxy "$HERE/proxy/run.sh"
[ -x "$HERE/compose-load/run.sh" ] && step compose-load run_compose_load "$CL_ROUNDS" || step compose-load "$HERE/compose-load/run.sh"
step scale        "$HERE/scale/run.sh"        "${SCALE_ARGS[@]}" --out "$OUT"
step drain        "$HERE/drain/run.sh"        "${DRAIN_ARGS[@]}" --out "$OUT"
step stats        "$HERE/stats/run.sh"        "${STATS_ARGS[@]}" --out "$OUT"

INDEX="$OUT/run-all-$TS.md"
{
  echo "# run-all $TS UTC"
  echo
  echo "Command: \`bench/run-all.sh$([ "$QUICK" = 1 ] && echo ' --quick')$([ "$ONLY" != "proxy,compose-load,scale,drain,stats" ] && echo " --only $ONLY")\`; shoal \`$SHOAL\`, $("$SHOAL" --version 2>/dev/null | head -1 || true) built $(date -u -r "$SHOAL" '+%Y-%m-%d %H:%M UTC'); repo HEAD $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "| benchmark | exit | seconds | report(s) |"
  echo "|---|---|---|---|"
  while IFS=$'\t' read -r name rc secs files; do
    links=""; for f in $files; do links+="[$f]($f) "; done
    echo "| $name | $rc | $secs | ${links:--} |"
  done <"$LIST"
} >"$INDEX"
cat "$INDEX"
log "index: $INDEX"
exit "$ALL_OK"
