#!/usr/bin/env bash
# bench/window/run.sh -- issue 7: the window under load. 50 running replicas, 20 req/s through
# the proxy, charts refreshing every second; measures the GUI thread with the opt-in profiler
# (SHOAL_UI_PROFILE, app/uiprofiler.cpp) under Xvfb.
#
#   bench/window/run.sh [options]
#     --replicas N    replicas of web (default 50, max 200)
#     --rate R        requests per second through the proxy (default 20, max 100)
#     --duration S    length of the load and of the measuring window (default 60, max 300)
#     --settle S      wait after all replicas run, before the load (default 10, max 120)
#     --shoal PATH    shoal binary (default $SHOAL, else <repo>/../build-window/app/shoal)
#     --out DIR       where the report and screenshot go (default <repo>/bench/results)
#     -h, --help
#
# Steps: builds the image bench-window-whoami:1 from examples/whoami (its static binary must
# have been built: the shoal-whoami target); starts Xvfb on a free display; writes a compose
# file (service web, that image, a free 127.0.0.1 port -> 3000, deploy.replicas N); opens the
# window on it as project bench-window with SHOAL_UI_PROFILE set; waits until `shoal ps --json`
# shows N running; waits --settle s; sends R req/s to the proxy port for S s (one curl each,
# 2 s timeout, paced against the clock, R x S requests at most); takes a screenshot of the
# display; `shoal down`, SIGTERM if the window is still there; stops Xvfb. The report covers the
# profiler's samples taken during the load only.
# Targets: GUI thread busy < 10 % each second, no frame > 16 ms, RSS < 150 MB.
# The trap stops shoal and Xvfb by PID and removes the project's containers and network
# (bench-window-* names only) and the image, also on failure. ~2.5 min.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=bench/lib/shoal-bench.sh
. "$HERE/../lib/shoal-bench.sh"
BENCH_NAME=window
SHOAL="${SHOAL:-$REPO/../build-window/app/shoal}"
OUT="$REPO/bench/results"
N=50 RATE=20 DURATION=60 SETTLE=10
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) N="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    *) bench_common_option 27 "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
bench_require_shoal "build the shoal target, or --shoal PATH"
[ "$N" -ge 1 ] && [ "$N" -le 200 ] || die "--replicas must be 1..200"
[ "$RATE" -ge 1 ] && [ "$RATE" -le 100 ] || die "--rate must be 1..100"
[ "$DURATION" -ge 5 ] && [ "$DURATION" -le 300 ] || die "--duration must be 5..300"
[ "$SETTLE" -ge 0 ] && [ "$SETTLE" -le 120 ] || die "--settle must be 0..120"
for tool in Xvfb import curl jq python3 docker; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done
[ -x "$REPO/examples/whoami/whoami" ] || die "examples/whoami/whoami is missing (build the shoal-whoami target)"
bench_absolute_shoal
PROJECT=bench-window
IMAGE=bench-window-whoami:1

bench_new_run bench-window
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
SHOAL_PID="" XVFB_PID="" LOAD_PID=""

purge_project() {   # bench-window-* containers only; docker from PATH
  bench_purge_project docker "/$PROJECT-"
}
cleanup() {   # run once by the EXIT trap (bench_install_traps)
  [ -z "$LOAD_PID" ] || kill "$LOAD_PID" 2>/dev/null || true
  bench_stop_pid "$SHOAL_PID"
  purge_project
  docker image rm "$IMAGE" >/dev/null 2>&1 || true
  bench_stop_pid "$XVFB_PID"
  rm -rf "$WORK"
}
bench_install_traps

bench_refuse_running_project
purge_project   # leftovers of an aborted run (bench-window-* only)

log "building $IMAGE from examples/whoami"
docker build -q -t "$IMAGE" "$REPO/examples/whoami" >/dev/null

DISPLAY_NUM=""
for d in $(seq 99 140); do
  if [ ! -e "/tmp/.X$d-lock" ] && [ ! -e "/tmp/.X11-unix/X$d" ]; then DISPLAY_NUM=$d; break; fi
done
[ -n "$DISPLAY_NUM" ] || die "no free X display in :99..:140"
Xvfb ":$DISPLAY_NUM" -screen 0 1600x1000x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] || die "Xvfb did not start: $(tail -3 "$WORK/xvfb.log")"
export DISPLAY=":$DISPLAY_NUM"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/compose.yaml" <<YML
# bench/window: $N whoami replicas behind Shoal's proxy on 127.0.0.1:$PORT
services:
  web:
    image: $IMAGE
    ports:
      - "127.0.0.1:$PORT:3000"
    environment:
      PORT: "3000"
    deploy:
      replicas: $N
    stop_grace_period: 5s
YML

running_count() {
  timeout 15 "$SHOAL" ps --json -p "$PROJECT" 2>/dev/null |
    jq '[.services[]?.containers[]? | select(.state == "running")] | length' 2>/dev/null || echo 0
}

PROFILE="$WORK/profile.json"
log "opening the window on :$DISPLAY_NUM, project $PROJECT, proxy port $PORT"
SHOAL_UI_PROFILE="$PROFILE" setsid "$SHOAL" -p "$PROJECT" "$WORK/compose.yaml" \
  </dev/null >"$WORK/shoal.log" 2>&1 &
SHOAL_PID=$!
t0=$(date +%s)
until [ "$(running_count)" = "$N" ]; do
  kill -0 "$SHOAL_PID" 2>/dev/null || die "shoal exited: $(tail -5 "$WORK/shoal.log")"
  [ $(( $(date +%s) - t0 )) -lt 300 ] || die "$N replicas not running after 300 s"
  sleep 1
done
UP_S=$(( $(date +%s) - t0 ))
log "$N replicas running after ${UP_S} s; settling ${SETTLE} s"
sleep "$SETTLE"

# One curl per request, started on a clock schedule so that a slow answer never lowers the
# rate; every request is bounded (2 s), and so is the count (RATE x DURATION).
load() {
  local total=$(( RATE * DURATION )) i=0 start now due
  start=$(date +%s%N)
  while [ "$i" -lt "$total" ]; do
    due=$(( start + i * 1000000000 / RATE ))
    now=$(date +%s%N)
    if [ "$now" -lt "$due" ]; then
      sleep "$(awk -v ns=$(( due - now )) 'BEGIN { printf "%.4f", ns / 1e9 }')"
    fi
    curl -s -o /dev/null -m 2 -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$PORT/" \
      >>"$WORK/load.txt" 2>/dev/null &
    i=$(( i + 1 ))
  done
  wait
}
LOAD_START_MS=$(date +%s%3N)
log "load: $RATE req/s to 127.0.0.1:$PORT for ${DURATION} s"
load &
LOAD_PID=$!
wait "$LOAD_PID"
LOAD_PID=""
LOAD_END_MS=$(date +%s%3N)
kill -0 "$SHOAL_PID" 2>/dev/null || die "shoal exited during the load: $(tail -5 "$WORK/shoal.log")"

SHOT="$OUT/window-$TS.png"
import -display "$DISPLAY" -window root "$SHOT" 2>/dev/null || log "screenshot failed"
cp "${PROFILE%.json}.jsonl" "$OUT/window-$TS.jsonl"

log "shoal down"
timeout 120 "$SHOAL" down -p "$PROJECT" >/dev/null 2>&1 || log "shoal down failed; removing by label"
for _ in $(seq 1 100); do kill -0 "$SHOAL_PID" 2>/dev/null || break; sleep 0.1; done
bench_stop_pid "$SHOAL_PID"
SHOAL_PID=""
purge_project

REPORT="$OUT/window-$TS.md"
python3 "$HERE/report.py" --samples "$OUT/window-$TS.jsonl" --load "$WORK/load.txt" \
  --from-ms "$LOAD_START_MS" --to-ms "$LOAD_END_MS" --replicas "$N" --rate "$RATE" \
  --duration "$DURATION" --up-s "$UP_S" --screenshot "$(basename "$SHOT")" \
  --shoal-version "$("$SHOAL" --version)" --loadavg "$LOADAVG" >"$REPORT"
cat "$REPORT"
log "report: $REPORT"
