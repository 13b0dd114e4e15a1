#!/usr/bin/env bash
# bench/scale/run.sh -- seconds to scale the compose service `web` 1 -> 8 -> 1:
# Shoal (`shoal scale`, talking to a running `shoal run`) side by side with
# `docker-compose up -d --scale web=N`, same image (bench-backend:1), same compose file,
# same run.  Uses the shared harness ../shared/bench/scale-bench.sh with
# bench/scale/shoal-scale.sh as its --candidate, and reports Shoal/docker-compose ratios.
#
#   bench/scale/run.sh [options]
#     --reps N        repetitions of (1->8, 8->1) per tool (default 3; the medians are compared)
#     --max N         replicas to scale up to (default 8)
#     --shoal PATH    shoal binary (default $SHOAL, else <repo>/../build-bench/app/shoal)
#     --shared DIR    the shared harness (default $SHARED_BENCH, else <repo>/../shared/bench)
#     --out DIR       where the Markdown report goes (default <repo>/bench/results)
#     -h, --help
#
# Output: <out>/scale-<UTC yyyymmdd-hhmmss>.md (+ .tsv with the harness's raw steps).
# ratio = Shoal / docker-compose of the medians; below 1.00 = Shoal is faster.
# cmd = the scaling command's wall time; ready = from its start until exactly N replicas run
# and every one answers GET /health on its published 127.0.0.1 port.
# The first Shoal call also starts the `shoal run` instance (reported separately as
# "instance start-up"); with --reps >= 3 the median does not include it.
# Cleanup (also on failure/Ctrl+C): the shoal instance (by PID), the project
# bench-scalecand (containers + network), the temp dir.  Runs ~1 min with --reps 3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=bench/lib/shoal-bench.sh
. "$HERE/../lib/shoal-bench.sh"
BENCH_NAME=scale
bench_default_paths
REPS=3 MAX=8
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS="$2"; shift 2 ;;
    --max) MAX="$2"; shift 2 ;;
    --shared) SHARED="$2"; shift 2 ;;
    *) bench_common_option 23 "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
bench_require_shoal "build: cmake -S $REPO -B <build> -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build <build> --target shoal; then --shoal <build>/app/shoal"
bench_require_harness scale-bench.sh
bench_absolute_shoal
DOCKER="${DOCKER:-/usr/bin/docker}"
PROJECT=bench-scalecand
COMPOSE_FILE="$SHARED/compose/docker-compose.yml"

bench_new_run bench-shoal-scale state harness

stop_shoal() {
  local pid
  pid=$(cat "$WORK/state/shoal.pid" 2>/dev/null) || return 0
  bench_stop_pid "$pid" shoal
}
purge_project() {   # only bench-* containers of our project
  bench_compose_down
  bench_purge_project "$DOCKER" /bench-
}
cleanup() {   # run once by the EXIT trap (bench_install_traps)
  stop_shoal
  purge_project
  rm -rf "$WORK"
}
bench_install_traps

# A leftover instance of an aborted run would own the project: refuse rather than race it.
bench_refuse_running_project

log "shoal: $SHOAL ($("$SHOAL" --version 2>/dev/null | head -1 || true)); harness: $SHARED; reps $REPS"
HRC=0
SHOAL="$SHOAL" SHOAL_SCALE_STATE="$WORK/state" SHOAL_SCALE_CALLS=$((2 * REPS)) RESULTS_DIR="$WORK/harness" \
  timeout --foreground 900 "$SHARED/scale-bench.sh" --reps "$REPS" --max "$MAX" \
    --candidate "$HERE/shoal-scale.sh {PROJECT} {SERVICE} {REPLICAS} {COMPOSE_FILE}" \
    --candidate-name shoal || HRC=$?
stop_shoal
HREP=$(ls "$WORK/harness"/scale-bench-*.md 2>/dev/null | tail -1 || true)
HTSV=$(ls "$WORK/harness"/scale-bench-*.tsv 2>/dev/null | tail -1 || true)
[ -n "$HREP" ] && [ -n "$HTSV" ] || die "the harness wrote no report (exit $HRC); shoal log: $(tail -5 "$WORK/state/shoal.log" 2>/dev/null)"

REPORT="$OUT/scale-$TS.md"
BIN_INFO="$(bench_bin_info)"
{
  echo "# scale: Shoal vs docker-compose, 1 -> $MAX -> 1 ($TS UTC)"
  echo
  echo "Command: \`bench/scale/run.sh --reps $REPS --max $MAX\` (harness: \`scale-bench.sh --reps $REPS --max $MAX --candidate 'bench/scale/shoal-scale.sh {PROJECT} {SERVICE} {REPLICAS} {COMPOSE_FILE}' --candidate-name shoal\`)"
  echo
  echo "- shoal: \`$SHOAL\`, $BIN_INFO"
  echo "- shoal instance start-up (\`shoal run\` until it has adopted the project; inside the first 1 -> $MAX cmd time): $(cat "$WORK/state/startup_s" 2>/dev/null || echo '?') s"
  echo "- harness exit code: $HRC"
  echo
  python3 - "$HTSV" "$MAX" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
mx = sys.argv[2]
def vals(tool, step, col):
    out = []
    for r in rows:
        if r[0] == tool and r[1] == step:
            try: out.append(float(r[col]))
            except ValueError: pass
    return out
def med(v): return statistics.median(v) if v else None
def fmt(x): return "-" if x is None else "%.2f" % x
print("| step | what | docker-compose s (median) | shoal s (median) | **ratio shoal/compose** | shoal all reps | compose all reps |")
print("|---|---|---|---|---|---|---|")
verdict = []
for step in ("1->%s" % mx, "%s->1" % mx):
    for col, what in ((2, "cmd"), (3, "ready")):
        c, s = vals("compose", step, col), vals("candidate", step, col)
        mc, ms = med(c), med(s)
        ratio = (ms / mc) if (mc and ms is not None) else None
        print("| %s | %s | %s | %s | **%s** | %s | %s |" % (step, what, fmt(mc), fmt(ms), fmt(ratio),
              " ".join("%.2f" % x for x in s), " ".join("%.2f" % x for x in c)))
        if what == "ready": verdict.append((step, ratio))
fails = [r for r in rows if r[5] != "0" or r[3] == "timeout"]
print()
for step, ratio in verdict:
    if ratio is None: print("- %s: no result" % step)
    else: print("- %s ready: Shoal is %s (ratio %.2f)" % (step, "**faster**" if ratio < 1 else "**not faster**", ratio))
print("- failed or timed-out steps: %d" % len(fails))
PY
  echo
  echo "ratio = Shoal median / docker-compose median (below 1.00 = Shoal faster). cmd = the command's wall"
  echo "time (\`shoal scale\` returns when the containers are created+started, or drained+stopped+removed);"
  echo "ready = from the command's start until exactly N replicas run and each answers GET /health on its"
  echo "published 127.0.0.1 port. Both tools ran in the same run on the same 2 cores."
  echo
  echo "## Harness report"
  echo
  sed 's/^# /### /' "$HREP"
  echo
  echo "## Shoal instance log (last 40 lines)"
  echo
  echo '```'
  tail -n 40 "$WORK/state/shoal.log" 2>/dev/null || true
  echo '```'
} >"$REPORT"
cp "$HTSV" "$OUT/scale-$TS.tsv"
cat "$REPORT"
log "report: $REPORT"
exit "$HRC"
