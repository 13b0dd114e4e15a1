#!/usr/bin/env bash
# shoal-scale.sh -- scale-bench.sh candidate: scales a compose service with Shoal.
#
#   shoal-scale.sh PROJECT SERVICE REPLICAS COMPOSE_FILE
#
# Called by ../shared/bench/scale-bench.sh once per step (via bench/scale/run.sh, which
# sets the environment below).  The first call starts one long-running
# `shoal run -f COMPOSE_FILE -p PROJECT` in its own session (setsid, so neither the
# harness nor a terminal Ctrl+C signals it behind our back); it adopts the replica the
# harness created with docker-compose.  Every call then runs
# `shoal scale -p PROJECT SERVICE=REPLICAS`, which returns when the scale is done.
# After the last expected call (SHOAL_SCALE_CALLS) the instance gets SIGTERM (without
# --down it leaves the containers for the harness to check and purge); run.sh's trap
# stops it too if anything goes wrong.
#
# Environment (set by run.sh):
#   SHOAL              path of the shoal binary
#   SHOAL_SCALE_STATE  directory for the instance's pid, log and call counter
#   SHOAL_SCALE_CALLS  number of calls the harness will make (2 x --reps); 0 = never stop
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,19p' "$0"; exit 0 ;; esac
[ $# -eq 4 ] || { echo "usage: $0 PROJECT SERVICE REPLICAS COMPOSE_FILE" >&2; exit 2; }
PROJECT="$1" SERVICE="$2" N="$3" FILE="$4"
case "$PROJECT" in bench-*) ;; *) echo "project must start with bench-" >&2; exit 2 ;; esac
: "${SHOAL:?SHOAL must name the shoal binary}" "${SHOAL_SCALE_STATE:?SHOAL_SCALE_STATE must be set}"
STATE="$SHOAL_SCALE_STATE"
now() { date +%s.%N; }

if [ ! -s "$STATE/shoal.pid" ] || ! kill -0 "$(cat "$STATE/shoal.pid")" 2>/dev/null; then
  t0=$(now)
  off=$(stat -c %s "$STATE/shoal.log" 2>/dev/null || echo 0)
  up() { tail -c +$((off + 1)) "$STATE/shoal.log" 2>/dev/null | grep "$PROJECT is up" >/dev/null; }
  setsid "$SHOAL" run -f "$FILE" -p "$PROJECT" </dev/null >>"$STATE/shoal.log" 2>&1 &
  echo $! >"$STATE/shoal.pid"
  # ready = the instance answers on its control socket and has adopted the stack
  for _ in $(seq 1 300); do
    kill -0 "$(cat "$STATE/shoal.pid")" 2>/dev/null || { echo "shoal run exited:" >&2; tail -20 "$STATE/shoal.log" >&2; exit 1; }
    up && break
    sleep 0.02
  done
  up || { echo "shoal run did not come up in 6 s" >&2; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", b-a}' >"$STATE/startup_s"
fi

rc=0
"$SHOAL" scale -p "$PROJECT" "$SERVICE=$N" || rc=$?

calls=$(( $(cat "$STATE/calls" 2>/dev/null || echo 0) + 1 ))
echo "$calls" >"$STATE/calls"
if [ "${SHOAL_SCALE_CALLS:-0}" -gt 0 ] && [ "$calls" -ge "$SHOAL_SCALE_CALLS" ]; then
  kill -TERM "$(cat "$STATE/shoal.pid")" 2>/dev/null || true   # instant; the exit is awaited by run.sh
fi
exit "$rc"
