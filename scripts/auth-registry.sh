#!/usr/bin/env bash
# A registry that asks for a password, for the private-registry tests
# (tests/registry.rs): Debian's docker-registry on 127.0.0.1:$ZOE_AUTH_REGISTRY_PORT
# (default 25001, plain HTTP: daemons trust loopback registries) with htpasswd
# auth (bcrypt, from apache2-utils' `htpasswd -B`: what distribution accepts),
# holding 127.0.0.1:PORT/private/busybox:1 (the demo image, pushed from the
# local engine of scripts/engines.sh, which must be up).
#
#   scripts/auth-registry.sh start    install, start, push (idempotent)
#   scripts/auth-registry.sh stop
#   scripts/auth-registry.sh env      ZOE_AUTH_REGISTRY=…, ZOE_AUTH_REGISTRY_CREDENTIALS=…
#
# The test user and password (random, made once) are in
# $ZOE_ENGINES_DIR/auth-registry/credentials (`user=…`, `password=…`, mode
# 0600): a test credential, secret nowhere else. The push authenticates with
# an X-Registry-Auth header read from a file: root's ~/.docker is never touched.
set -euo pipefail

# the registry outlives this script: it must not inherit its open files
# shellcheck source=scripts/daemon-lib.sh
source "$(dirname "$0")/daemon-lib.sh"
close_inherited_fds

DIR="${ZOE_ENGINES_DIR:-/tmp/zoe-engines}"
PORT="${ZOE_AUTH_REGISTRY_PORT:-25001}"
HERE="$DIR/auth-registry"
CREDS="$HERE/credentials"
IMAGE="zoe-demo/busybox:1"
PUSHED_REPO="127.0.0.1:$PORT/private/busybox"
TAG="1"

log() { echo "[auth-registry] $*" >&2; }
# 401 without credentials: up, and asking for them
registry_up() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$PORT/v2/")" == 401 ]]; }
local_api() { curl -sf --max-time 60 --unix-socket "$DIR/local/docker.sock" "$@"; }

print_env() {
  echo "ZOE_AUTH_REGISTRY=127.0.0.1:$PORT"
  echo "ZOE_AUTH_REGISTRY_CREDENTIALS=$CREDS"
  echo "ZOE_AUTH_REGISTRY_IMAGE=$PUSHED_REPO:$TAG"
}

case "${1:-start}" in
  stop)
    if pid="$(cat "$HERE/registry.pid" 2>/dev/null)" && alive "$pid"; then kill "$pid"; log "stopped $pid"; fi
    exit 0 ;;
  env) print_env; exit 0 ;;
  status) registry_up && exit 0; exit 1 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status|env]" >&2; exit 2 ;;
esac

if [[ $EUID -ne 0 ]]; then
  echo "scripts/auth-registry.sh installs packages and must run as root" >&2
  exit 1
fi

need=()
[[ -x /usr/bin/docker-registry ]] || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null; apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
fi

mkdir -p "$HERE/data"
chmod 700 "$HERE"
if [[ ! -s "$CREDS" ]]; then
  ( umask 077; printf 'user=zoe-test\npassword=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" > "$CREDS" )
  rm -f "$HERE/htpasswd"
fi
USER_NAME="$(sed -n 's/^user=//p' "$CREDS")"
PASSWORD="$(sed -n 's/^password=//p' "$CREDS")"
if [[ ! -s "$HERE/htpasswd" ]]; then
  # -i: the password from stdin, not argv
  printf '%s' "$PASSWORD" | htpasswd -iBc "$HERE/htpasswd" "$USER_NAME" 2>/dev/null
  # a running registry reads the file at start only
  if pid="$(cat "$HERE/registry.pid" 2>/dev/null)" && alive "$pid"; then kill "$pid"; sleep 0.5; fi
fi

if ! registry_up; then
  cat > "$HERE/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $HERE/data
  delete:
    enabled: true
auth:
  htpasswd:
    realm: zoe-test
    path: $HERE/htpasswd
http:
  addr: 127.0.0.1:$PORT
YAML
  nohup /usr/bin/docker-registry serve "$HERE/config.yml" >"$HERE/registry.log" 2>&1 &
  echo $! > "$HERE/registry.pid"
  deadline=$((SECONDS + 30))
  until registry_up || (( SECONDS >= deadline )); do sleep 0.1; done
  registry_up || { log "the registry did not answer within 30 s; log:"; tail -20 "$HERE/registry.log" >&2; exit 1; }
  log "started on 127.0.0.1:$PORT"
fi

# the private image, pushed once with the test credentials
manifest() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -K - \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$PORT/v2/private/busybox/manifests/$TAG" <<<"user = \"$USER_NAME:$PASSWORD\""
}
if [[ "$(manifest)" != 200 ]]; then
  local_api "http://localhost/images/$IMAGE/json" >/dev/null ||
    { log "the local engine has no $IMAGE: run scripts/engines.sh start first"; exit 1; }
  auth="$(printf '{"username":"%s","password":"%s","serveraddress":"127.0.0.1:%s"}' "$USER_NAME" "$PASSWORD" "$PORT" | base64 -w0 | tr '+/' '-_')"
  ( umask 077; printf 'X-Registry-Auth: %s\n' "$auth" > "$HERE/push-header" )
  local_api -X POST "http://localhost/images/$IMAGE/tag?repo=$PUSHED_REPO&tag=$TAG" >/dev/null
  out="$(local_api -X POST -H @"$HERE/push-header" "http://localhost/images/$PUSHED_REPO:$TAG/push")"
  rm -f "$HERE/push-header"
  local_api -X DELETE "http://localhost/images/$PUSHED_REPO:$TAG" >/dev/null || true
  if [[ "$out" == *'"error"'* ]] || [[ "$(manifest)" != 200 ]]; then
    log "pushing $PUSHED_REPO:$TAG failed: $out"
    exit 1
  fi
  log "pushed $PUSHED_REPO:$TAG"
fi

print_env
