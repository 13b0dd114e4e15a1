#!/bin/sh
# Generates a 200-service compose file with anchors, merge keys and interpolation, then
# prints the median load time of Shoal's loader and of `docker-compose config` and their ratio.
# Usage: run.sh PATH/TO/composeloadbench [ROUNDS]
set -eu

bench=${1:?usage: run.sh PATH/TO/composeloadbench [ROUNDS]}
rounds=${2:-5}
services=200
work=$(mktemp -d "${TMPDIR:-/tmp}/shoal-compose-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

{
    echo 'x-defaults: &defaults'
    echo '  image: "registry.local/app:${APP_TAG:-latest}"'
    echo '  restart: unless-stopped'
    echo '  environment: &env'
    echo '    REGION: "${REGION:-eu}"'
    echo '    LOG_LEVEL: info'
    echo '  healthcheck:'
    echo '    test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]'
    echo '    interval: 30s'
    echo 'services:'
    i=0
    while [ "$i" -lt "$services" ]; do
        echo "  svc$i:"
        echo '    <<: *defaults'
        echo '    environment:'
        echo '      <<: *env'
        echo "      INDEX: \"$i\""
        echo "      NAME: \"svc$i-\${USER:-nobody}\""
        echo "    ports: [\"$((20000 + i)):8080\"]"
        echo "    command: [\"serve\", \"--id\", \"$i\"]"
        i=$((i + 1))
    done
} > "$work/compose.yaml"

shoal_ms=$("$bench" "$work/compose.yaml" "$rounds")

if ! command -v docker-compose >/dev/null 2>&1; then
    echo "shoal: ${shoal_ms} ms (docker-compose not installed; no ratio)"
    exit 0
fi

times=""
i=0
while [ "$i" -lt "$rounds" ]; do
    start=$(date +%s%N)
    docker-compose -f "$work/compose.yaml" config >/dev/null
    end=$(date +%s%N)
    times="$times $(( (end - start) / 1000 ))"
    i=$((i + 1))
done
v1_ms=$(printf "%s\n" $times | sort -n \
    | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1000}')

echo "services:            $services"
echo "shoal (median of $rounds):  $shoal_ms ms"
echo "docker-compose v1:   $v1_ms ms"
awk -v s="$shoal_ms" -v d="$v1_ms" 'BEGIN { printf "ratio v1/shoal:      %.1fx\n", d / s }'
