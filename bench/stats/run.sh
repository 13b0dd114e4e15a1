#!/usr/bin/env bash
# bench/stats/run.sh -- CPU cost of following the stats of 50 running containers at 1 Hz:
# Shoal's own process (`shoal run`, which streams /containers/{id}/stats for every replica)
# side by side with `docker stats --no-stream` polling the same containers once a second.
#
#   bench/stats/run.sh [options]
#     --replicas N    containers to follow (default 50)
#     --duration S    length of each measuring window (default 30, max 300)
#     --settle S      wait after all replicas run before measuring (default 5)
#     --shoal PATH    shoal binary (default $SHOAL, else <repo>/../build-bench/app/shoal)
#     --shared DIR    the shared harness, for the backend image (default $SHARED_BENCH,
#                     else <repo>/../shared/bench)
#     --out DIR       where the Markdown report goes (default <repo>/bench/results)
#     -h, --help
#
# Steps: writes a compose file (service web, image bench-backend:1, THREADS=1, no published
# port), starts `shoal run -f FILE -p bench-stats --scale web=N` (own session, by PID),
# waits until `shoal ps --json` shows N running, waits --settle s, then
#   window A (S s): utime+stime of the shoal process from /proc/PID/stat (all threads) -> % of one core;
#                   RSS (VmRSS, VmHWM) at the end;
#   window B (S s): one `docker stats --no-stream <the N containers>` launched every second
#                   (each bounded by timeout 10 s, under /usr/bin/time) -> user+sys of the docker
#                   CLI processes only, summed, / S -> % of one core.
# dockerd's CPU in each window is shown as context (shared daemon, noisy; Shoal keeps running and
# streaming during window B, so B's dockerd minus A's ~ what the polling costs the daemon).
# Target: Shoal < 2 % of one core.  Ends with `shoal down -p bench-stats`; the trap removes
# the project's containers and network and stops shoal by PID if anything fails.  ~2 min.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=bench/lib/shoal-bench.sh
. "$HERE/../lib/shoal-bench.sh"
BENCH_NAME=stats
bench_default_paths
N=50 DURATION=30 SETTLE=5
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) N="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --shared) SHARED="$2"; shift 2 ;;
    *) bench_common_option 27 "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
bench_require_shoal "build it, then --shoal <build>/app/shoal"
[ "$DURATION" -ge 5 ] && [ "$DURATION" -le 300 ] || die "--duration must be 5..300"
[ "$N" -ge 1 ] && [ "$N" -le 200 ] || die "--replicas must be 1..200"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
bench_absolute_shoal
DOCKER="${DOCKER:-/usr/bin/docker}"
IMAGE="${BENCH_IMAGE:-bench-backend:1}"
PROJECT=bench-stats
CLK_TCK=$(getconf CLK_TCK)

bench_new_run bench-shoal-stats
SHOAL_PID=""

purge_project() {
  bench_purge_project "$DOCKER" /bench-
}
stop_shoal() { bench_stop_pid "$SHOAL_PID"; }
cleanup() {   # run once by the EXIT trap (bench_install_traps)
  stop_shoal
  purge_project
  rm -rf "$WORK"
}
bench_install_traps

bench_refuse_running_project
if ! "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  [ -x "$SHARED/backend/build.sh" ] || die "$IMAGE is missing and $SHARED/backend/build.sh is not there"
  log "building $IMAGE"; "$SHARED/backend/build.sh" "$IMAGE" >&2
fi
purge_project   # leftovers of an aborted run (bench-stats-* only)

cat >"$WORK/docker-compose.yml" <<YML
# bench/stats: $N idle replicas, no published port (nothing but stats to follow)
version: "2.4"
services:
  web:
    image: $IMAGE
    environment:
      THREADS: "1"
    labels:
      bench.owner: stats
    stop_grace_period: 10s
YML

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
shoal_json() { timeout 15 "$SHOAL" "$1" --json -p "$PROJECT" 2>/dev/null; }
running_count() { shoal_json ps | jq '[.services[]?.containers[]? | select(.state == "running")] | length' 2>/dev/null || echo 0; }

log "starting shoal run --scale web=$N"
t0=$(date +%s.%N)
setsid "$SHOAL" run -f "$WORK/docker-compose.yml" -p "$PROJECT" --scale "web=$N" </dev/null >"$WORK/shoal.log" 2>&1 &
SHOAL_PID=$!
end=$(( $(date +%s) + 240 ))
until [ "$(running_count)" = "$N" ]; do
  kill -0 "$SHOAL_PID" 2>/dev/null || { tail -20 "$WORK/shoal.log" >&2; die "shoal run exited"; }
  [ "$(date +%s)" -le "$end" ] || { tail -20 "$WORK/shoal.log" >&2; die "$N replicas not running after 240 s"; }
  sleep 1
done
UP_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
log "$N running after ${UP_S}s; settling ${SETTLE}s"
sleep "$SETTLE"
mapfile -t IDS < <("$DOCKER" ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter status=running)
[ "${#IDS[@]}" = "$N" ] || die "docker ps shows ${#IDS[@]} running containers of $PROJECT, expected $N"
DOCKERD=$(pgrep -xo dockerd || true)
SAMPLED_BEFORE=$(shoal_json stats | jq '[.services[]?.containers[]? | select(.memoryBytes > 0)] | length' || echo "?")

# --- window A: Shoal alone ---------------------------------------------------------------
log "window A: shoal pid $SHOAL_PID for ${DURATION}s"
a0=$(ticks "$SHOAL_PID"); d0=$( [ -n "$DOCKERD" ] && ticks "$DOCKERD" || echo 0 ); w0=$(date +%s.%N)
sleep "$DURATION"
a1=$(ticks "$SHOAL_PID"); d1=$( [ -n "$DOCKERD" ] && ticks "$DOCKERD" || echo 0 ); w1=$(date +%s.%N)
kill -0 "$SHOAL_PID" 2>/dev/null || die "shoal exited during window A"
RSS_KB=$(awk '/^VmRSS:/{print $2}' "/proc/$SHOAL_PID/status")
HWM_KB=$(awk '/^VmHWM:/{print $2}' "/proc/$SHOAL_PID/status")
THREADS=$(awk '/^Threads:/{print $2}' "/proc/$SHOAL_PID/status")
FDS=$(ls "/proc/$SHOAL_PID/fd" | wc -l)
SAMPLED=$(shoal_json stats | jq '[.services[]?.containers[]? | select(.memoryBytes > 0)] | length' || echo "?")
shoal_json stats | jq -c '.services[0].containers[0] // {}' >"$WORK/sample.json" || true

# --- window B: docker stats --no-stream at 1 Hz ---------------------------------------------
log "window B: docker stats --no-stream on the same $N containers, 1 per second for ${DURATION}s"
: >"$WORK/times.txt"
b0=$(ticks "$SHOAL_PID"); e0=$( [ -n "$DOCKERD" ] && ticks "$DOCKERD" || echo 0 ); v0=$(date +%s.%N)
start=$(date +%s.%N)
pids=()
for i in $(seq 0 $((DURATION - 1))); do
  # launch at start + i seconds, whether or not the previous poll has returned (a 1 Hz poller)
  delay=$(awk -v s="$start" -v i="$i" -v n="$(date +%s.%N)" 'BEGIN{d=s+i-n; printf "%.3f", (d>0?d:0)}')
  sleep "$delay"
  timeout 10 /usr/bin/time -a -o "$WORK/times.txt" -f '%e %U %S %x' "$DOCKER" stats --no-stream "${IDS[@]}" >/dev/null 2>>"$WORK/dstats.err" &
  pids+=($!)
done
rem=$(awk -v s="$start" -v d="$DURATION" -v n="$(date +%s.%N)" 'BEGIN{x=s+d-n; printf "%.3f", (x>0?x:0)}')
sleep "$rem"
b1=$(ticks "$SHOAL_PID"); e1=$( [ -n "$DOCKERD" ] && ticks "$DOCKERD" || echo 0 ); v1=$(date +%s.%N)
for p in "${pids[@]}"; do wait "$p" || true; done

# --- down -------------------------------------------------------------------------------------
log "shoal down -p $PROJECT"
DOWN_RC=0; timeout 120 "$SHOAL" down -p "$PROJECT" >"$WORK/down.log" 2>&1 || DOWN_RC=$?
for _ in $(seq 1 100); do kill -0 "$SHOAL_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SHOAL_PID" 2>/dev/null && log "shoal still running after shoal down (rc $DOWN_RC)"
LEFT=$("$DOCKER" ps -aq --filter "label=com.docker.compose.project=$PROJECT" | wc -l)

REPORT="$OUT/stats-$TS.md"
BIN_INFO="$(bench_bin_info)"
python3 - "$WORK/times.txt" <<PY >"$WORK/table.md"
import sys
clk = $CLK_TCK
wa = $(awk -v a="$w0" -v b="$w1" 'BEGIN{print b-a}'); wb = $(awk -v a="$v0" -v b="$v1" 'BEGIN{print b-a}')
shoal_a = ($a1 - $a0) / clk; shoal_b = ($b1 - $b0) / clk
dd_a = ($d1 - $d0) / clk; dd_b = ($e1 - $e0) / clk
polls = []
for l in open(sys.argv[1]):
    p = l.split()
    if len(p) >= 3 and p[0].replace('.', '', 1).isdigit():
        polls.append((float(p[0]), float(p[1]), float(p[2]), p[3] if len(p) > 3 else "?"))
cli = sum(u + s for _, u, s, _ in polls)
launched = $DURATION
pa = 100 * shoal_a / wa; pb = 100 * cli / wb
print("| follower | window s | what is measured | CPU s | **% of one core** | polls | wall s per poll (mean / max) | dockerd CPU % in the window (context) |")
print("|---|---|---|---|---|---|---|---|")
print("| **shoal run** (streaming stats of $N containers) | %.1f | shoal process, utime+stime, all threads | %.2f | **%.2f** | stream, 1 frame/s/container | - | %.1f |" % (wa, shoal_a, pa, 100 * dd_a / wa))
ok = sum(1 for p in polls if p[3] == "0")
print("| **docker stats --no-stream** at 1 Hz | %.1f | docker CLI processes, user+sys (/usr/bin/time) | %.2f | **%.2f** | %d launched, %d returned, %d exit 0 | %s | %.1f |" % (
    wb, cli, pb, launched, len(polls), ok,
    ("%.2f / %.2f" % (sum(p[0] for p in polls) / len(polls), max(p[0] for p in polls))) if polls else "-", 100 * dd_b / wb))
print()
print("- **ratio Shoal / docker stats (CPU): %s**" % (("%.3f" % (pa / pb)) if pb > 0 else "n/a"))
print("- target Shoal < 2 %% of one core: **%s** (%.2f %%)" % ("met" if pa < 2 else "NOT met", pa))
print("- Shoal during window B (still streaming, for reference): %.2f %% of one core" % (100 * shoal_b / wb))
PY
{
  echo "# stats: following $N containers at 1 Hz, Shoal vs docker stats --no-stream ($TS UTC)"
  echo
  echo "Command: \`bench/stats/run.sh --replicas $N --duration $DURATION --settle $SETTLE\`"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); host: $(. /etc/os-release; echo "$PRETTY_NAME"), $(nproc) CPUs; docker engine $("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null), client $DOCKER $("$DOCKER" version -f '{{.Client.Version}}' 2>/dev/null)"
  echo "- shoal: \`$SHOAL\`, $BIN_INFO; \`shoal run -f <compose: web, $IMAGE, THREADS=1, no ports> -p $PROJECT --scale web=$N\`"
  echo "- $N replicas running after ${UP_S} s (shoal run start to \`shoal ps --json\` showing $N running); settle ${SETTLE} s"
  echo "- replicas with a stats sample in \`shoal stats --json\`: $SAMPLED_BEFORE before window A, $SAMPLED after (of $N)"
  echo
  cat "$WORK/table.md"
  echo "- Shoal memory at the end of window A: **RSS $((RSS_KB / 1024)) MiB** (VmRSS $RSS_KB kB, peak VmHWM $HWM_KB kB), $THREADS threads, $FDS open fds"
  echo "- \`shoal down -p $PROJECT\`: exit $DOWN_RC; containers of $PROJECT left afterwards: $LEFT (the trap removes any)"
  echo
  echo "% of one core = CPU seconds / window seconds x 100 (2 cores = 200 %). Shoal: the \`shoal run\` process"
  echo "(from /proc/PID/stat, so every thread of it); docker stats: the sum of user+sys of every \`docker stats\`"
  echo "CLI process launched in window B (one per second, in the background so a slow poll does not lower the"
  echo "rate), measured by /usr/bin/time. Neither includes dockerd, which does the sampling for both; its CPU"
  echo "is the last column, for context only (a shared daemon: other work on the machine lands there too)."
  if [ -s "$WORK/dstats.err" ]; then echo; echo "docker stats stderr (first lines):"; echo; echo '```'; head -5 "$WORK/dstats.err"; echo '```'; fi
  echo
  echo "One replica as \`shoal stats --json\` showed it after window A: \`$(cat "$WORK/sample.json" 2>/dev/null)\`"
} >"$REPORT"
cat "$REPORT"
log "report: $REPORT"
