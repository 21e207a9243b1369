#!/usr/bin/env bash
# How fast `zoe logs` reads a log, next to the docker CLI, on the local test
# engine of scripts/engines.sh (start it first). Everything lives under
# $BENCH (default /tmp/logs-bench): a one-entry shop, settings, the state
# cache and the deployment key; containers are labelled with the bench's own
# deployment, so `scripts/logs-bench.sh clean` removes exactly them.
#
#   scripts/logs-bench.sh setup              write the shop and settings
#   scripts/logs-bench.sh start LINES        launch a ZApp printing LINES short lines
#                                            then idling; prints "EXECUTION CONTAINER"
#   scripts/logs-bench.sh flood SECONDS      launch a ZApp printing flat out for SECONDS
#                                            then exiting; prints "EXECUTION CONTAINER"
#   scripts/logs-bench.sh zoe ARGS...        the zoe binary ($ZOE) with the bench's settings
#   scripts/logs-bench.sh docker ARGS...     docker against the local engine
#   scripts/logs-bench.sh follow-rate WHO SECONDS
#                                            WHO = zoe|docker: launches a flood of SECONDS,
#                                            follows it with `logs -f` into `wc -l` and
#                                            prints "WHO LINES SECONDS LINES_PER_SECOND"
#   scripts/logs-bench.sh clean              remove the bench's containers and networks
#
# Row 1 (not following), timed with any A/B timer, e.g. hyperfine or
# /usr/bin/time -v, alternating the two commands:
#   read -r EXEC CID < <(scripts/logs-bench.sh start 1000000)
#   scripts/logs-bench.sh zoe logs "$EXEC" >/dev/null
#   scripts/logs-bench.sh docker logs "$CID" >/dev/null
# Row 2 (following): scripts/logs-bench.sh follow-rate zoe 25, then
#   scripts/logs-bench.sh follow-rate docker 25, alternating, median of each.
# Run measurements under `flock /tmp/zoe-docker-tests.lock` so that no test
# shares the daemon meanwhile.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="${BENCH:-/tmp/logs-bench}"
ZOE="${ZOE:-$ROOT/target/release/zoe}"
ENGINES="${ZOE_ENGINES_DIR:-/tmp/zoe-engines}"
SOCK="unix://$ENGINES/local/docker.sock"
DEPLOYMENT="logsbench"

die() { echo "logs-bench: $*" >&2; exit 1; }

setup() {
  mkdir -p "$BENCH/shop/bench" "$BENCH/cache" "$BENCH/state"
  cat >"$BENCH/docker.conf" <<EOF
[DEFAULT]
use_tls: no

[local]
docker_address: $SOCK
external_address: 127.0.0.1
EOF
  cat >"$BENCH/zoe.toml" <<EOF
docker_config = "docker.conf"
shop = "$BENCH/shop"
stop_grace_secs = 2
deployment_name = "$DEPLOYMENT"
deployment_key_file = "deployment.key"
EOF
  cat >"$BENCH/shop/bench/manifest.json" <<'EOF'
{"version": 1, "zapps": [
 {"category": "Bench", "name": "Bench", "description": "app.json", "readable_descr": "README.md", "parameters": [
  {"kind": "command", "name": "talker", "readable_name": "command", "description": "what it runs", "type": "string", "default": "true"}]}]}
EOF
  echo "# Bench" >"$BENCH/shop/bench/README.md"
  printf '\x89PNG\r\n\x1a\n' >"$BENCH/shop/bench/logo.png"
  cat >"$BENCH/shop/bench/app.json" <<'EOF'
{"name": "bench", "version": 3, "will_end": false, "size": 1, "services": [
 {"name": "talker", "image": "zoe-demo/busybox:1", "monitor": true, "startup_order": 0,
  "total_count": 1, "essential_count": 1,
  "resources": {"memory": {"min": 33554432, "max": null}, "cores": {"min": 0.1, "max": null}},
  "ports": [], "environment": [], "volumes": [], "command": "true"}]}
EOF
}

zoe() {
  [[ -f "$BENCH/zoe.toml" ]] || setup
  ZOE_CONFIG="$BENCH/zoe.toml" XDG_CACHE_HOME="$BENCH/cache" XDG_STATE_HOME="$BENCH/state" \
    USER=bench DOCKER_HOST= "$ZOE" "$@"
}

dock() { docker -H "$SOCK" "$@"; }

# Launches the bench ZApp running COMMAND; prints "EXECUTION CONTAINER".
launch() {
  local command="$1" out exec cid
  out="$(zoe start bench-0 --param "talker=$command" -o json)" || die "zoe start failed: $out"
  exec="$(sed -n 's/.*"execution": *"\([^"]*\)".*/\1/p' <<<"$out" | head -n1)"
  [[ -n "$exec" ]] || die "no execution id in: $out"
  cid="$(dock ps -aq --no-trunc --filter "label=zoe_execution_id=$exec" | head -n1)"
  echo "$exec $cid"
}

case "${1:-}" in
  setup) setup ;;
  start)
    lines="${2:?how many lines}"
    read -r exec cid < <(launch "sh -c 'seq 1 $lines; exec sleep 1000000'")
    # wait until the whole log is written
    for _ in $(seq 600); do
      [[ "$(dock logs --tail 1 "$cid" 2>/dev/null)" == "$lines" ]] && break
      sleep 0.2
    done
    echo "$exec $cid" ;;
  flood)
    secs="${2:?how many seconds}"
    launch "sh -c 'timeout $secs yes 0123456789 || true'" ;;
  zoe) shift; zoe "$@" ;;
  docker) shift; dock "$@" ;;
  follow-rate)
    who="${2:?zoe or docker}"; secs="${3:-25}"
    read -r exec cid < <("$0" flood "$secs")
    t0="$(date +%s.%N)"
    if [[ "$who" == zoe ]]; then
      n="$(zoe logs -f "$exec" | wc -l)"
    else
      n="$(dock logs -f "$cid" | wc -l)"
    fi
    t1="$(date +%s.%N)"
    dock rm -f "$cid" >/dev/null 2>&1 || true
    zoe kill "$exec" >/dev/null 2>&1 || true
    awk -v w="$who" -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %d %.2f %.0f\n", w, n, b - a, n / (b - a) }' ;;
  clean)
    ids="$(dock ps -aq --filter "label=zoe_deployment_name=$DEPLOYMENT")"
    [[ -z "$ids" ]] || dock rm -f $ids >/dev/null
    nets="$(dock network ls -q --filter "label=zoe_deployment_name=$DEPLOYMENT")"
    [[ -z "$nets" ]] || dock network rm $nets >/dev/null ;;
  *) sed -n '2,30p' "$0"; exit 2 ;;
esac
