#!/usr/bin/env bash
# The fake Kubernetes API server with a demo cluster (examples/fake_kube.rs),
# in the background, for trying zoe by hand, tmux runs and screenshots.
#
#   scripts/fake-kube.sh start    build it, run it on 127.0.0.1:$ZOE_FAKE_KUBE_PORT
#                                 (default 26443), write the kubeconfig
#   scripts/fake-kube.sh stop     stop it (by its pid file)
#   scripts/fake-kube.sh status   exit 0 when it answers
#
# Files in $ZOE_FAKE_KUBE_DIR (default /tmp/zoe-fake-kube): pid, log, kubeconfig
# (context `fake`, namespace `zapps`). Loopback only, plain HTTP, no token.
set -euo pipefail

DIR="${ZOE_FAKE_KUBE_DIR:-/tmp/zoe-fake-kube}"
PORT="${ZOE_FAKE_KUBE_PORT:-26443}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
log() { echo "[fake-kube] $*" >&2; }

answers() { curl -sf --max-time 2 "http://127.0.0.1:$PORT/version" >/dev/null; }

running() {
  [[ -f "$DIR/pid" ]] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null
}

start() {
  mkdir -p "$DIR"
  if running && answers; then
    log "already running (pid $(cat "$DIR/pid")) on http://127.0.0.1:$PORT"
    echo "KUBECONFIG=$DIR/kubeconfig"
    return 0
  fi
  (cd "$ROOT" && cargo build --quiet --example fake_kube)
  local bin="$ROOT/target/debug/examples/fake_kube"
  # detached, its own session, no inherited descriptors but the log
  setsid "$bin" --port "$PORT" --kubeconfig "$DIR/kubeconfig" \
    </dev/null >"$DIR/log" 2>&1 &
  echo $! >"$DIR/pid"
  for _ in $(seq 1 50); do
    if answers; then
      log "running (pid $(cat "$DIR/pid")) on http://127.0.0.1:$PORT"
      echo "KUBECONFIG=$DIR/kubeconfig"
      return 0
    fi
    running || break
    sleep 0.2
  done
  log "did not start; its log ($DIR/log):"
  cat "$DIR/log" >&2 || true
  return 1
}

stop() {
  if running; then
    kill "$(cat "$DIR/pid")"
    log "stopped (pid $(cat "$DIR/pid"))"
  else
    log "not running"
  fi
  rm -f "$DIR/pid"
}

status() {
  if running && answers; then
    log "running (pid $(cat "$DIR/pid")) on http://127.0.0.1:$PORT, KUBECONFIG=$DIR/kubeconfig"
  else
    log "not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
