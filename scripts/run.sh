#!/usr/bin/env bash
# The README's run command: builds and runs the console (`zoe`, arguments
# passed through). When no Docker host is configured and none is reachable,
# it first starts the local throw-away engines (scripts/engines.sh, as root)
# and points the console at them, so a fresh machine shows a working cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
zoe=target/release/zoe

configured() {
    [[ -n "${DOCKER_HOST:-}" || -n "${ZOE_DOCKER_CONFIG:-}" ]] && return 0
    "$zoe" config show -o json 2>/dev/null | grep -qE '"(docker_config|hosts)"'
}
reachable() {
    command -v curl >/dev/null && [[ "$(curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://localhost/_ping 2>/dev/null)" == OK ]]
}

if ! configured && ! reachable; then
    if [[ $EUID -eq 0 ]]; then
        echo "No Docker host configured or reachable: starting local test engines (scripts/engines.sh)..." >&2
        scripts/engines.sh start >/dev/null
        export ZOE_DOCKER_CONFIG="${ZOE_ENGINES_DIR:-/tmp/zoe-engines}/docker.conf"
    else
        echo "No Docker host configured or reachable; run as root to start local test engines, or set docker_config (see config/docker.conf)." >&2
    fi
fi
exec "$zoe" "$@"
