#!/usr/bin/env bash
# Makes sure a Docker engine answers. Used by the tests, .ci/run and scripts/run-example.sh.
#
# Order: DOCKER_HOST if set (only checked, never started); otherwise /var/run/docker.sock.
# When the socket does not answer and we are root, installs docker.io if needed and starts
# dockerd in the background, logging to $SHOAL_DOCKERD_LOG (default /var/log/shoal-dockerd.log),
# with $SHOAL_DOCKERD_ARGS added to its command line (the TLS test uses it for a listener).
set -euo pipefail

log="${SHOAL_DOCKERD_LOG:-/var/log/shoal-dockerd.log}"
sock=/var/run/docker.sock

answers() {
    if [ -n "${DOCKER_HOST:-}" ]; then
        docker version --format '{{.Server.Version}}' >/dev/null 2>&1
    else
        curl -fsS --max-time 3 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
    fi
}

if answers; then
    exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
    echo "ensure-dockerd: DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local engine" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "ensure-dockerd: $sock does not answer and only root can start dockerd here;" \
         "start Docker (sudo systemctl start docker) or add yourself to the docker group" >&2
    exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
    echo "ensure-dockerd: installing docker.io" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq docker.io >/dev/null || { apt-get update -qq && apt-get install -y -qq docker.io >/dev/null; }
fi

echo "ensure-dockerd: starting dockerd in the background, log in $log" >&2
mkdir -p "$(dirname "$log")"
# shellcheck disable=SC2086
nohup setsid dockerd ${SHOAL_DOCKERD_ARGS:-} >>"$log" 2>&1 </dev/null &

for _ in $(seq 1 120); do
    if answers; then
        echo "ensure-dockerd: engine is up" >&2
        exit 0
    fi
    sleep 0.5
done
echo "ensure-dockerd: dockerd did not answer within 60 s; see $log" >&2
exit 1
