#!/usr/bin/env bash
# bench/drain/run.sh -- failed requests while `web` is scaled 4 -> 1 under constant load:
# Shoal (its own proxy + `shoal scale`) side by side with the anchor (nginx with a
# regenerated upstream + `nginx -s reload`, scaled by `docker-compose up -d --scale web=1`).
# Uses the shared harness ../shared/bench/drain-bench.sh with bench/drain/shoal-proxy.sh
# as --candidate and `shoal scale -p {PROJECT} {SERVICE}={REPLICAS}` as --candidate-scale.
#
#   bench/drain/run.sh [options]
#     --runs N        harness runs (each: one nginx anchor row + one Shoal row; default 1)
#     --duration S    wrk run length per row (default 15, the harness default)
#     --scale-at S    seconds into the run the scale-down starts (default 5)
#     --shoal PATH    shoal binary (default $SHOAL, else <repo>/../build-bench/app/shoal)
#     --shared DIR    the shared harness (default $SHARED_BENCH, else <repo>/../shared/bench)
#     --out DIR       where the Markdown report goes (default <repo>/bench/results)
#     -h, --help
#
# Load: wrk -t2 -c64 keep-alive GET / on 127.0.0.1 through the proxy for the whole run.
# failed = non-2xx/3xx + socket errors seen by wrk (a client that never retries).
# Target: Shoal failed = 0 in every run.  ~45 s per run.  Output:
# <out>/drain-<UTC yyyymmdd-hhmmss>.md (+ .jsonl with the harness's raw rows).
# Cleanup (also on failure/Ctrl+C): the harness stops Shoal (process-group SIGTERM) and
# purges bench-drain; this script then stops any Shoal instance of bench-drain it can
# still find by the PID its wrapper recorded, purges bench-drain again and removes its temp dir.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=bench/lib/shoal-bench.sh
. "$HERE/../lib/shoal-bench.sh"
BENCH_NAME=drain
bench_default_paths
RUNS=1 DURATION=15 SCALE_AT=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --scale-at) SCALE_AT="$2"; shift 2 ;;
    --shared) SHARED="$2"; shift 2 ;;
    *) bench_common_option 23 "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
bench_require_shoal "build it, then --shoal <build>/app/shoal"
bench_require_harness drain-bench.sh
[ "$DURATION" -le 120 ] || die "--duration is capped at 120 s"
bench_absolute_shoal
DOCKER="${DOCKER:-/usr/bin/docker}"
PROJECT=bench-drain
COMPOSE_FILE="$SHARED/compose/docker-compose.yml"

bench_new_run bench-shoal-drain state harness

purge_project() {
  bench_compose_down
  bench_purge_project "$DOCKER" /bench-
}
# Our shoal processes: the PIDs shoal-proxy.sh recorded, if still `shoal run -f $WORK/state/...`.
our_shoal_pids() {
  local f p
  for f in "$WORK"/state/shoal-*.pid; do
    [ -f "$f" ] || continue
    p=$(cat "$f")
    tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$WORK/state/" && echo "$p"
  done
  return 0
}
cleanup() {   # run once by the EXIT trap (bench_install_traps)
  local p
  for p in $(our_shoal_pids); do log "stopping leftover shoal pid $p"; kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in $(our_shoal_pids); do kill -KILL "$p" 2>/dev/null || true; done
  purge_project
  rm -rf "$WORK"
}
bench_install_traps

bench_refuse_running_project

HRC=0
for run in $(seq 1 "$RUNS"); do
  log "run $run/$RUNS"
  rc=0
  SHOAL="$SHOAL" SHOAL_DRAIN_STATE="$WORK/state" RESULTS_DIR="$WORK/harness/run$run" \
    timeout --foreground 600 "$SHARED/drain-bench.sh" --duration "$DURATION" --scale-at "$SCALE_AT" \
      --candidate "$HERE/shoal-proxy.sh {PORT} {PROJECT} {SERVICE}" \
      --candidate-scale "$(printf '%q' "$SHOAL") scale -p {PROJECT} {SERVICE}={REPLICAS}" \
      --candidate-name shoal || rc=$?
  [ "$rc" = 0 ] || { log "harness run $run exited $rc"; HRC=$rc; }
done

REPORT="$OUT/drain-$TS.md"
BIN_INFO="$(bench_bin_info)"
cat "$WORK"/harness/run*/drain-bench-*.jsonl >"$WORK/all.jsonl" 2>/dev/null || true
[ -s "$WORK/all.jsonl" ] || die "the harness wrote no rows (exit $HRC)"
{
  echo "# drain: failed requests while scaling web 4 -> 1 under load, Shoal vs nginx + docker-compose ($TS UTC)"
  echo
  echo "Command: \`bench/drain/run.sh --runs $RUNS --duration $DURATION --scale-at $SCALE_AT\` (harness per run: \`drain-bench.sh --duration $DURATION --scale-at $SCALE_AT --candidate 'bench/drain/shoal-proxy.sh {PORT} {PROJECT} {SERVICE}' --candidate-scale 'shoal scale -p {PROJECT} {SERVICE}={REPLICAS}' --candidate-name shoal\`)"
  echo
  echo "- shoal: \`$SHOAL\`, $BIN_INFO; harness exit code: $HRC"
  echo
  python3 - "$WORK/all.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def failed(w): return w["err_status"] + w["err_connect"] + w["err_read"] + w["err_write"] + w["err_timeout"]
print("| run | proxy + scaler | requests | req/s | p99 ms | max ms | non-2xx/3xx | socket errors c/r/w/t | **failed** | scale cmd s | replicas after |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
run = 0; tot = {}
for r in rows:
    if r["proxy"] == "nginx": run += 1
    w = r["wrk"]; f = failed(w)
    label = "nginx (regenerate + reload) + docker-compose" if r["proxy"] == "nginx" else "shoal proxy + shoal scale"
    tot.setdefault(r["proxy"], []).append((f, w["requests"]))
    print("| %d | %s | %d | %.0f | %.1f | %.0f | %d | %d/%d/%d/%d | **%d** | %.2f | %d |" % (run, label, w["requests"],
          w["requests"] / (w["duration_us"] / 1e6), w["p99_us"] / 1000, w["lat_max_us"] / 1000, w["err_status"],
          w["err_connect"], w["err_read"], w["err_write"], w["err_timeout"], f, r["scale_cmd_s"], r["replicas_after"]))
print()
for k, v in tot.items():
    name = "nginx anchor" if k == "nginx" else "Shoal"
    print("- %s: failed %s over %d run(s) (total %d of %d requests)" % (name, " / ".join(str(f) for f, _ in v), len(v),
          sum(f for f, _ in v), sum(n for _, n in v)))
s = tot.get("shoal", [])
if s:
    print("- target (Shoal loses no request): **%s**" % ("met" if all(f == 0 for f, _ in s) else "NOT met"))
PY
  echo
  echo "failed = wrk non-2xx/3xx + socket errors (connect/read/write/timeout) over the whole run, wrk -t2 -c64,"
  echo "keep-alive, no retries. Both rows of a run use the same replicas setup (docker-compose starts 4"
  echo "replicas of bench-backend:1, graceful SIGTERM); the nginx row reloads nginx after"
  echo "\`docker-compose up -d --scale web=1\`, the Shoal row has Shoal's proxy on the port and \`shoal scale\`"
  echo "drains each replica from the proxy before stopping it. scale cmd s = wall time of the scale command."
  for d in "$WORK"/harness/run*; do
    r=$(ls "$d"/drain-bench-*.md 2>/dev/null | tail -1) || continue
    [ -n "$r" ] || continue
    echo
    echo "## Harness report, $(basename "$d")"
    echo
    sed 's/^# /### /' "$r"
    l=$(ls "$d"/drain-bench-*-shoal.log 2>/dev/null | tail -1 || true)
    if [ -n "$l" ]; then
      echo
      echo "Shoal log (last 25 lines):"
      echo
      echo '```'
      tail -n 25 "$l"
      echo '```'
    fi
  done
} >"$REPORT"
cp "$WORK/all.jsonl" "$OUT/drain-$TS.jsonl"
cat "$REPORT"
log "report: $REPORT"
exit "$HRC"
