#!/usr/bin/env bash
# A control for proxy-bench.sh: nginx with the harness's own settings (2 workers, round-robin,
# upstream keepalive 64), but started the way the harness starts a candidate. The harness puts
# a candidate in a session of its own (setsid), which on a kernel with sched_autogroup_enabled=1
# also means a scheduling group of its own; its reference nginx shares the group of wrk and the
# backends. Running nginx through this script shows what that placement alone costs.
#
#   proxy-bench.sh --candidate 'bench/proxy/nginx-candidate.sh {PORT} {BACKENDS}' \
#                  --candidate-name nginx-as-candidate
set -euo pipefail
port=$1
backends=$2
dir=$(mktemp -d /tmp/shoal-nginx-candidate.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/tmp"
{
    echo "worker_processes 2;"
    echo "pid $dir/nginx.pid;"
    echo "error_log $dir/error.log warn;"
    echo "events { worker_connections 8192; }"
    echo "http {"
    echo "  access_log off;"
    for kind in client_body proxy fastcgi uwsgi scgi; do
        echo "  ${kind}_temp_path $dir/tmp/$kind;"
    done
    echo "  keepalive_requests 1000000;"
    echo "  upstream backends {"
    IFS=, read -ra list <<<"$backends"
    for backend in "${list[@]}"; do
        case "$backend" in
        127.0.0.1:*) echo "    server $backend;" ;;
        *) echo "only 127.0.0.1 backends: $backend" >&2; exit 2 ;;
        esac
    done
    echo "    keepalive 64;"
    echo "    keepalive_requests 1000000;"
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:$port;"
    echo "    location / {"
    echo "      proxy_pass http://backends;"
    echo "      proxy_http_version 1.1;"
    echo "      proxy_set_header Connection \"\";"
    echo "    }"
    echo "  }"
    echo "}"
} >"$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
pid=$!
stop() {
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
    exit 0
}
trap stop INT TERM
wait $pid
