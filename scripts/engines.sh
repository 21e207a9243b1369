#!/usr/bin/env bash
# Throw-away local Docker engines for trying zoe and for its tests.
#
#   scripts/engines.sh start    install docker.io/busybox-static if missing, start the
#                               daemons, import the demo image, write docker.conf
#   scripts/engines.sh stop     stop them (containers and data stay in $ZOE_ENGINES_DIR)
#   scripts/engines.sh status   exit 0 when every daemon answers
#   scripts/engines.sh env      print the variables tests read (also printed by start)
#
# Daemons (all with --bridge none --iptables=false: no change to the host network;
# --live-restore: containers keep running while their daemon restarts):
#   local   unix://$DIR/local/docker.sock
#   remote  tcp://127.0.0.1:$ZOE_ENGINE_PORT            (plain TCP, loopback only)
#   secure  tcp://127.0.0.1:$ZOE_ENGINE_TLS_PORT --tlsverify (only with ZOE_ENGINES_TLS=1;
#           CA, server and client certificates generated with openssl in $DIR/tls)
# Registry: Debian's docker-registry on 127.0.0.1:$ZOE_REGISTRY_PORT (plain HTTP: daemons
#           trust loopback registries), holding 127.0.0.1:PORT/zoe-demo/busybox:1 for pull tests;
#           and one with htpasswd auth on 127.0.0.1:25001 (scripts/auth-registry.sh).
# Demo image: zoe-demo/busybox:1, a rootfs of Debian's busybox-static (no registry needed).
# Idempotent: daemons that answer are left alone; the image is imported where missing.
set -euo pipefail

# The daemons outlive this script: they must not inherit its open files.
# shellcheck source=scripts/daemon-lib.sh
source "$(dirname "$0")/daemon-lib.sh"
close_inherited_fds

DIR="${ZOE_ENGINES_DIR:-/tmp/zoe-engines}"
PORT="${ZOE_ENGINE_PORT:-23750}"
TLS_PORT="${ZOE_ENGINE_TLS_PORT:-23760}"
REGISTRY_PORT="${ZOE_REGISTRY_PORT:-25000}"
WITH_TLS="${ZOE_ENGINES_TLS:-0}"
IMAGE_REPO="zoe-demo/busybox"
IMAGE_TAG="1"
TLS="$DIR/tls"

log() { echo "[engines] $*" >&2; }

daemons() { echo local remote; [[ "$WITH_TLS" == 1 ]] && echo secure; true; }
host_of() {
  case "$1" in
    local) echo "unix://$DIR/local/docker.sock" ;;
    remote) echo "tcp://127.0.0.1:$PORT" ;;
    secure) echo "tcp://127.0.0.1:$TLS_PORT" ;;
  esac
}
api() {
  local n="$1"; shift
  case "$n" in
    local) curl -sf --max-time 30 --unix-socket "$DIR/local/docker.sock" "$@" ;;
    remote) curl -sf --max-time 30 "$@" ;;
    secure) curl -sf --max-time 30 --cacert "$TLS/ca.pem" --cert "$TLS/cert.pem" --key "$TLS/key.pem" "$@" ;;
  esac
}
base_url() {
  case "$1" in
    local) echo "http://localhost" ;;
    remote) echo "http://127.0.0.1:$PORT" ;;
    secure) echo "https://127.0.0.1:$TLS_PORT" ;;
  esac
}
ping() { [[ "$(api "$1" --max-time 3 "$(base_url "$1")/_ping" 2>/dev/null)" == "OK" ]]; }
pid_of() {
  local f="$DIR/$1/dockerd.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ -n "$pid" ]] && alive "$pid" && echo "$pid"
}

stop_one() {
  local n="$1" pid
  if pid="$(pid_of "$n")"; then
    kill "$pid"
    for _ in $(seq 150); do alive "$pid" || break; sleep 0.2; done
    alive "$pid" && { log "$n: dockerd $pid still alive after 30 s, sending KILL"; kill -9 "$pid"; }
    log "$n: stopped dockerd $pid"
  fi
}

print_env() {
  echo "ZOE_ENGINES_DIR=$DIR"
  echo "ZOE_DOCKER_CONF=$DIR/docker.conf"
  for n in $(daemons); do
    echo "ZOE_ENGINE_${n^^}_HOST=$(host_of "$n")"
    echo "ZOE_ENGINE_${n^^}_PID=$(pid_of "$n" || true)"
  done
  [[ "$WITH_TLS" == 1 ]] && echo "ZOE_ENGINE_TLS_DIR=$TLS"
  echo "ZOE_DEMO_IMAGE=$IMAGE_REPO:$IMAGE_TAG"
  echo "ZOE_REGISTRY=127.0.0.1:$REGISTRY_PORT"
  "$(dirname "$0")/auth-registry.sh" env
}

cmd="${1:-start}"
case "$cmd" in
  stop)
    for n in local remote secure; do stop_one "$n"; done
    if pid="$(cat "$DIR/registry/registry.pid" 2>/dev/null)" && alive "$pid"; then kill "$pid"; log "registry: stopped $pid"; fi
    "$(dirname "$0")/auth-registry.sh" stop
    exit 0 ;;
  status)
    rc=0
    for n in $(daemons); do
      if pid="$(pid_of "$n")" && ping "$n"; then log "$n: up, pid $pid, $(host_of "$n")"; else log "$n: down"; rc=1; fi
    done
    exit $rc ;;
  env) print_env; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status|env]" >&2; exit 2 ;;
esac

if [[ $EUID -ne 0 ]]; then
  echo "scripts/engines.sh starts Docker daemons and must run as root" >&2
  exit 1
fi

# 1. packages
need=()
[[ -x /usr/sbin/dockerd ]] || need+=(docker.io)
# the image needs the static build (the plain busybox package is linked against libc)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed" || need+=(busybox-static)
command -v curl >/dev/null || need+=(curl)
command -v iptables >/dev/null || need+=(iptables)
[[ -x /usr/bin/docker-registry ]] || need+=(docker-registry)
[[ "$WITH_TLS" == 1 ]] && ! command -v openssl >/dev/null && need+=(openssl)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null; apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
fi

# 2. Containers on one of our bridges must reach each other even when an earlier
# dockerd (started with iptables on) left the FORWARD policy at DROP: accept what
# enters or leaves a bridge named zoe-* (the console names execution networks so).
if command -v iptables >/dev/null && iptables -S FORWARD >/dev/null 2>&1; then
  for dir in -i -o; do
    iptables -C FORWARD "$dir" "zoe-+" -j ACCEPT 2>/dev/null || iptables -I FORWARD "$dir" "zoe-+" -j ACCEPT
  done
fi

# 3. TLS material
if [[ "$WITH_TLS" == 1 && ! -f "$TLS/key.pem" ]]; then
  log "generating TLS certificates in $TLS"
  mkdir -p "$TLS"
  (
    cd "$TLS"
    openssl genrsa -out ca-key.pem 2048 2>/dev/null
    openssl req -x509 -new -key ca-key.pem -sha256 -days 3650 -subj "/CN=zoe-test-ca" -out ca.pem
    openssl genrsa -out server-key.pem 2048 2>/dev/null
    openssl req -new -key server-key.pem -subj "/CN=localhost" -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server-ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -sha256 \
      -extfile server-ext.cnf -out server-cert.pem 2>/dev/null
    openssl genrsa -out key.pem 2048 2>/dev/null
    openssl req -new -key key.pem -subj "/CN=zoe-test-client" -out client.csr
    printf 'extendedKeyUsage=clientAuth\n' > client-ext.cnf
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -sha256 \
      -extfile client-ext.cnf -out cert.pem 2>/dev/null
    # a second, unrelated CA: tests use it to check that a wrong CA is refused
    openssl genrsa -out other-ca-key.pem 2048 2>/dev/null
    openssl req -x509 -new -key other-ca-key.pem -sha256 -days 3650 -subj "/CN=not-the-ca" -out other-ca.pem
    rm -f server.csr client.csr
    chmod 600 ca-key.pem other-ca-key.pem server-key.pem key.pem
  )
fi

# 4. daemons
start_one() {
  local n="$1" pid
  if pid="$(pid_of "$n")"; then
    local deadline=$((SECONDS + 10))
    until ping "$n" || (( SECONDS >= deadline )); do sleep 0.2; done
    if ping "$n"; then log "$n: already running (pid $pid)"; return; fi
    log "$n: pid $pid does not answer; restarting it"; stop_one "$n"
  fi
  # a dockerd that died (SIGKILL) leaves its containerd behind, winding
  # down: a new dockerd would wait for it in vain, so it goes first (the
  # containers live on in their shims)
  local cpid
  cpid="$(cat "$DIR/$n/exec/containerd/containerd.pid" 2>/dev/null || true)"
  if [[ -n "$cpid" ]] && alive "$cpid" && grep -q containerd "/proc/$cpid/cmdline" 2>/dev/null; then
    log "$n: stopping containerd $cpid left by a dead dockerd"
    kill "$cpid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$cpid" || break; sleep 0.2; done
    alive "$cpid" && kill -9 "$cpid" 2>/dev/null || true
  fi
  # dockerd trusts this file while its pid exists, even as a zombie nobody
  # reaped yet, and then waits for that containerd in vain
  if [[ -n "$cpid" ]] && ! alive "$cpid"; then rm -f "$DIR/$n/exec/containerd/containerd.pid"; fi
  mkdir -p "$DIR/$n/data" "$DIR/$n/exec"
  local args=(
    --data-root "$DIR/$n/data" --exec-root "$DIR/$n/exec" --pidfile "$DIR/$n/dockerd.pid"
    --bridge none --iptables=false --ip-masq=false --ip-forward=false --live-restore
    --cgroup-parent "/zoe-engine-$n" --containerd-namespace "zoe-$n" --containerd-plugins-namespace "zoe-$n-plugins"
    --host "$(host_of "$n")"
  )
  [[ "$n" == secure ]] && args+=(--tlsverify --tlscacert "$TLS/ca.pem" --tlscert "$TLS/server-cert.pem" --tlskey "$TLS/server-key.pem")
  rm -f "$DIR/$n/dockerd.pid"
  nohup /usr/sbin/dockerd "${args[@]}" >"$DIR/$n/dockerd.log" 2>&1 &
  log "$n: starting dockerd (pid $!) on $(host_of "$n")"
}
for n in $(daemons); do start_one "$n"; done
for n in $(daemons); do
  deadline=$((SECONDS + 60))
  until ping "$n" || (( SECONDS >= deadline )); do sleep 0.1; done
  ping "$n" || { log "$n: dockerd did not answer within 60 s; log:"; tail -30 "$DIR/$n/dockerd.log" >&2; exit 1; }
done

# 5. the demo image, built locally from busybox-static
ROOTFS_TAR="$DIR/busybox-rootfs.tar"
if [[ ! -s "$ROOTFS_TAR" ]]; then
  rm -rf "$DIR/rootfs"
  mkdir -p "$DIR/rootfs/bin" "$DIR/rootfs/tmp" "$DIR/rootfs/etc" "$DIR/rootfs/proc" "$DIR/rootfs/sys" "$DIR/rootfs/dev" "$DIR/rootfs/www"
  cp /bin/busybox "$DIR/rootfs/bin/busybox"
  for app in $(/bin/busybox --list); do [[ "$app" == busybox ]] || ln -sf busybox "$DIR/rootfs/bin/$app"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$DIR/rootfs/etc/passwd"
  echo 'root:x:0:' > "$DIR/rootfs/etc/group"
  chmod 1777 "$DIR/rootfs/tmp"
  tar -C "$DIR/rootfs" -cf "$ROOTFS_TAR.part" . && mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
fi
for n in $(daemons); do
  if api "$n" "$(base_url "$n")/images/$IMAGE_REPO:$IMAGE_TAG/json" >/dev/null 2>&1; then
    continue
  fi
  # POST /images/create?fromSrc=- is `docker import`
  api "$n" -X POST -H 'Content-Type: application/x-tar' --data-binary @"$ROOTFS_TAR" \
    "$(base_url "$n")/images/create?fromSrc=-&repo=$IMAGE_REPO&tag=$IMAGE_TAG&changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D&changes=ENV%20PATH%3D%2Fbin" >/dev/null
  api "$n" "$(base_url "$n")/images/$IMAGE_REPO:$IMAGE_TAG/json" >/dev/null || { log "$n: image import failed"; exit 1; }
  log "$n: imported $IMAGE_REPO:$IMAGE_TAG"
done

# 6. a local registry with the demo image, for pull tests
registry_up() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$REGISTRY_PORT/v2/")" == 200 ]]; }
if ! registry_up; then
  mkdir -p "$DIR/registry/data"
  cat > "$DIR/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/registry/data
http:
  addr: 127.0.0.1:$REGISTRY_PORT
YAML
  # the package's own service is not used (it may not even be allowed to start)
  nohup /usr/bin/docker-registry serve "$DIR/registry/config.yml" >"$DIR/registry/registry.log" 2>&1 &
  echo $! > "$DIR/registry/registry.pid"
  deadline=$((SECONDS + 30))
  until registry_up || (( SECONDS >= deadline )); do sleep 0.1; done
  registry_up || { log "registry did not answer within 30 s; log:"; tail -20 "$DIR/registry/registry.log" >&2; exit 1; }
  log "registry: started on 127.0.0.1:$REGISTRY_PORT"
fi
PUSHED="127.0.0.1:$REGISTRY_PORT/$IMAGE_REPO"
if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$REGISTRY_PORT/v2/$IMAGE_REPO/manifests/$IMAGE_TAG" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json')" != 200 ]]; then
  api local -X POST "$(base_url local)/images/$IMAGE_REPO:$IMAGE_TAG/tag?repo=$PUSHED&tag=$IMAGE_TAG" >/dev/null
  api local -X POST -H "X-Registry-Auth: $(printf '{}' | base64)" "$(base_url local)/images/$PUSHED:$IMAGE_TAG/push" >/dev/null
  api local -X DELETE "$(base_url local)/images/$PUSHED:$IMAGE_TAG" >/dev/null || true
  log "registry: pushed $PUSHED:$IMAGE_TAG"
fi

# 6b. a registry with htpasswd auth holding a private image (scripts/auth-registry.sh)
"$(dirname "$0")/auth-registry.sh" start >/dev/null

# 7. docker.conf for the console (Zoe's format)
{
  echo "# Written by scripts/engines.sh: the local throw-away engines."
  echo "[DEFAULT]"
  echo "use_tls: no"
  echo
  echo "[local]"
  echo "docker_address: $(host_of local)"
  echo "external_address: 127.0.0.1"
  echo
  echo "[remote]"
  echo "docker_address: $(host_of remote)"
  echo "external_address: 127.0.0.1"
  if [[ "$WITH_TLS" == 1 ]]; then
    echo
    echo "[secure]"
    echo "docker_address: $(host_of secure)"
    echo "external_address: 127.0.0.1"
    echo "use_tls: yes"
    echo "tls_cert: $TLS/cert.pem"
    echo "tls_key: $TLS/key.pem"
    echo "tls_ca: $TLS/ca.pem"
  fi
} > "$DIR/docker.conf.part"
mv "$DIR/docker.conf.part" "$DIR/docker.conf"

print_env
