#!/usr/bin/env bash
# Shoal's proxy next to nginx and HAProxy on the same host backends, with keep-alive clients
# and with clients that send `Connection: close` (a new TCP connection per request), in one
# run, interleaved.  The shared harness (../shared/bench/proxy-bench.sh) covers keep-alive
# only; this script reuses its backend, its nginx configuration and its wrk reporter so that
# the anchors are configured exactly as there.
#
#   bench/proxy/modes.sh [--shoal PATH] [--rounds N] [--duration S] [--connections N]
#                        [--modes "keepalive close"] [--workers N] [--out DIR]
#
# Every process (4 bench-backend, nginx, haproxy, shoal, wrk) runs on the host, bound to and
# loaded on 127.0.0.1, in the same session as this script, so that the kernel's autogroup
# scheduling treats them alike.  Each wrk run is bounded by --duration.  The report (Markdown)
# goes to --out (default bench/results) as proxy-modes-<UTC time>.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED_BENCH:-$REPO/../shared/bench}
SHOAL=${SHOAL:-$REPO/../build-bench/app/shoal}
OUT=$REPO/bench/results
ROUNDS=3 DURATION=6 CONNS=64 THREADS=2 REPLICAS=4 WORKERS=""
MODES="keepalive close"

while [ $# -gt 0 ]; do
    case "$1" in
    --shoal) SHOAL=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "modes.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$SHOAL" ] || { echo "modes.sh: no shoal binary at $SHOAL (--shoal PATH)" >&2; exit 2; }
[ -f "$SHARED/lib/common.sh" ] || { echo "modes.sh: shared harness not at $SHARED" >&2; exit 2; }
SHOAL=$(cd "$(dirname "$SHOAL")" && pwd)/$(basename "$SHOAL")

# shellcheck source=/dev/null
. "$SHARED/lib/common.sh"
install_cleanup_trap
TS=$(date -u +%Y%m%d-%H%M%S)
WORK=$(mktemp -d /tmp/shoal-proxy-modes.XXXXXX)
register_cleanup "rm -rf '$WORK'"
mkdir -p "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

[ -x "$BENCH_BUILD/bench-backend" ] || "$SHARED/backend/build.sh" "$BENCH_IMAGE" >&2

# --- backends and balancers -------------------------------------------------------------
: >"$WORK/backends.txt"
for i in $(seq 1 "$REPLICAS"); do
    port=$(free_port $((18200 + i)))
    PORT=$port BIND=127.0.0.1 THREADS=2 "$BENCH_BUILD/bench-backend" >"$WORK/be-$i.log" 2>&1 &
    register_pid $!
    echo "be-$i $port" >>"$WORK/backends.txt"
    sleep 0.05
done
backends=$(awk '{printf "%s127.0.0.1:%s", (NR>1?",":""), $2}' "$WORK/backends.txt")
while read -r name port; do
    wait_http "http://127.0.0.1:$port/health" 20 || die "$name not ready"
done <"$WORK/backends.txt"

declare -A PORT PID
PORT[nginx]=$(free_port 18281)
write_nginx_conf "$WORK/nginx" "${PORT[nginx]}" "$WORK/backends.txt" || die "nginx config"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
register_pid $!
PID[nginx]=$!

# The same HAProxy settings as the shared harness.
PORT[haproxy]=$(free_port 18282)
{
    printf 'global\n  nbthread 2\n  maxconn 8000\n'
    printf 'defaults\n  mode http\n  option http-keep-alive\n'
    printf '  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n'
    printf 'frontend fe\n  bind 127.0.0.1:%s\n  default_backend be\n' "${PORT[haproxy]}"
    printf 'backend be\n  balance roundrobin\n'
    awk '{print "  server s" NR " 127.0.0.1:" $2}' "$WORK/backends.txt"
} >"$WORK/haproxy.cfg"
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
register_pid $!
PID[haproxy]=$!

PORT[shoal]=$(free_port 18283)
shoal_args=(proxy --listen "127.0.0.1:${PORT[shoal]}" --backends "$backends")
[ -n "$WORKERS" ] && shoal_args+=(--workers "$WORKERS")
"$SHOAL" "${shoal_args[@]}" >"$WORK/shoal.log" 2>&1 &
register_pid $!
PID[shoal]=$!

BALANCERS="nginx haproxy shoal"
for lb in $BALANCERS; do
    wait_http "http://127.0.0.1:${PORT[$lb]}/" 20 || die "$lb did not answer (see $WORK/$lb.log)"
done

# --- interleaved runs ---------------------------------------------------------------------
# wrk_args MODE: sets the array EXTRA to wrk's extra arguments for that client behaviour.
wrk_args() {
    EXTRA=()
    if [ "$1" = close ]; then
        EXTRA=(-H "Connection: close")
    fi
}

RUNS=$WORK/runs.tsv
: >"$RUNS"
for mode in $MODES; do
    wrk_args "$mode"
    for lb in $BALANCERS; do
        run_wrk "http://127.0.0.1:${PORT[$lb]}/" 2 "$THREADS" "$CONNS" "$WORK/warm.txt" \
            "${EXTRA[@]}" >/dev/null
    done
    for r in $(seq 1 "$ROUNDS"); do
        for lb in $BALANCERS; do
            pids=$(descendants_of "${PID[$lb]}")
            c0=$(cpu_ticks $pids)
            log "$mode round $r: $lb ${DURATION}s -t$THREADS -c$CONNS"
            j=$(run_wrk "http://127.0.0.1:${PORT[$lb]}/" "$DURATION" "$THREADS" "$CONNS" \
                "$WORK/wrk-$mode-$r-$lb.txt" "${EXTRA[@]}")
            c1=$(cpu_ticks $pids)
            [ -n "$j" ] || die "wrk gave no result for $lb (see $WORK/wrk-$mode-$r-$lb.txt)"
            printf '%s\t%s\t%s\t%s\t%s\n' "$mode" "$r" "$lb" "$(((c1 - c0)))" "$j" >>"$RUNS"
        done
    done
done

# --- report ---------------------------------------------------------------------------------
REPORT=$OUT/proxy-modes-$TS.md
python3 - "$RUNS" "$CLK_TCK" "$DURATION" >"$REPORT" <<'EOF'
import json, statistics, sys

runs, tick, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = {}
for line in open(runs):
    mode, rnd, lb, ticks, blob = line.rstrip("\n").split("\t", 4)
    w = json.loads(blob)
    errors = sum(w[k] for k in ("err_connect", "err_read", "err_write", "err_status",
                                "err_timeout"))
    rows.setdefault(mode, {}).setdefault(lb, []).append({
        "rps": w["requests"] / (w["duration_us"] / 1e6),
        "p99": w["p99_us"] / 1000.0,
        "cpu_per_k": (int(ticks) / tick) * 1000.0 / max(1, w["requests"]) * 1000.0,
        "errors": errors,
    })

print("| clients | balancer | runs | req/s median | ratio vs nginx | p99 ms median |"
      " p99 vs nginx | CPU ms / 1k req | errors |")
print("|---|---|---|---|---|---|---|---|---|")
for mode, by_lb in rows.items():
    base = by_lb.get("nginx")
    base_rps = statistics.median(r["rps"] for r in base) if base else None
    base_p99 = statistics.median(r["p99"] for r in base) if base else None
    for lb, runs_of in by_lb.items():
        rps = statistics.median(r["rps"] for r in runs_of)
        p99 = statistics.median(r["p99"] for r in runs_of)
        cpu = statistics.median(r["cpu_per_k"] for r in runs_of)
        errors = sum(r["errors"] for r in runs_of)
        ratio = f"{rps / base_rps:.3f}" if base_rps else "-"
        p99_ratio = f"{p99 / base_p99:.3f}" if base_p99 else "-"
        label = "keep-alive" if mode == "keepalive" else "Connection: close"
        print(f"| {label} | {lb} | {len(runs_of)} | {rps:.0f} | {ratio} | {p99:.2f} |"
              f" {p99_ratio} | {cpu:.2f} | {errors} |")
print()
print("Per run (mode, round, balancer, req/s, p99 ms):")
print()
for line in open(runs):
    mode, rnd, lb, ticks, blob = line.rstrip("\n").split("\t", 4)
    w = json.loads(blob)
    rps = w["requests"] / (w["duration_us"] / 1e6)
    print(f"- {mode} {rnd} {lb}: {rps:.0f} req/s, p99 {w['p99_us'] / 1000.0:.2f} ms")
EOF
{
    echo
    echo "Command: \`bench/proxy/modes.sh --rounds $ROUNDS --duration $DURATION" \
        "--connections $CONNS --modes \"$MODES\"${WORKERS:+ --workers $WORKERS}\`"
    echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load before the run:" \
        "$LOAD_BEFORE; $(nginx -v 2>&1 | sed 's/.*: //'),"\
        "$(haproxy -v | head -1 | cut -d' ' -f1-3); wrk -t$THREADS -c$CONNS; $REPLICAS host" \
        "backends (bench-backend, 2 threads each); shoal: $("$SHOAL" --version 2>/dev/null)"
} >>"$REPORT"
cat "$REPORT"
log "report: $REPORT"
