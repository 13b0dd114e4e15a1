#!/usr/bin/env bash
# shoal-proxy.sh -- drain-bench.sh candidate: Shoal as the proxy in front of `web`.
#
#   shoal-proxy.sh PORT PROJECT SERVICE
#
# Writes a compose file that gives SERVICE the harness's image and settings with
# ports ["PORT:3000"] (Shoal's proxy owns 127.0.0.1:PORT; each replica keeps publishing
# 3000 on an ephemeral 127.0.0.1 port), then execs `shoal run -f FILE -p PROJECT`, which
# adopts the replicas docker-compose started for the harness.  The harness runs this in
# its own process group (setsid) and ends it with SIGTERM; without --down Shoal leaves
# the containers to the harness.
#
# Environment: SHOAL (binary), SHOAL_DRAIN_STATE (dir for the compose file, set by
# run.sh), BENCH_IMAGE / BACKEND_THREADS / BACKEND_SHUTDOWN (exported by the harness).
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,14p' "$0"; exit 0 ;; esac
[ $# -eq 3 ] || { echo "usage: $0 PORT PROJECT SERVICE" >&2; exit 2; }
PORT="$1" PROJECT="$2" SERVICE="$3"
case "$PROJECT" in bench-*) ;; *) echo "project must start with bench-" >&2; exit 2 ;; esac
case "$PORT" in ''|*[!0-9]*) echo "bad port $PORT" >&2; exit 2 ;; esac
: "${SHOAL:?SHOAL must name the shoal binary}" "${SHOAL_DRAIN_STATE:?SHOAL_DRAIN_STATE must be set}"
FILE="$SHOAL_DRAIN_STATE/compose-$PORT.yml"
cat >"$FILE" <<YML
# written by bench/drain/shoal-proxy.sh: the harness's service, proxied by Shoal on 127.0.0.1:$PORT
version: "2.4"
services:
  $SERVICE:
    image: ${BENCH_IMAGE:-bench-backend:1}
    ports:
      - "$PORT:3000"
    environment:
      THREADS: "${BACKEND_THREADS:-1}"
      SHUTDOWN: "${BACKEND_SHUTDOWN:-graceful}"
      SHUTDOWN_TIMEOUT_MS: "8000"
    labels:
      bench.owner: compose
    stop_grace_period: 10s
YML
echo $$ >"$SHOAL_DRAIN_STATE/shoal-$PORT.pid"   # exec keeps the PID: run.sh's cleanup uses it
echo "shoal-proxy.sh: $SHOAL run -f $FILE -p $PROJECT" >&2
exec "$SHOAL" run -f "$FILE" -p "$PROJECT"
