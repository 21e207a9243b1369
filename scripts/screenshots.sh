#!/usr/bin/env bash
# Regenerates screenshots/*.png from a real run: the release binary in tmux
# against the local test engines (scripts/engines.sh), driven through each
# view; each screen is captured with its colours and rendered to PNG by
# scripts/ansi2png.py. Then the Kubernetes side: the same Docker hosts
# beside the demo cluster of scripts/fake-kube.sh (started here, stopped
# after if it was not running), a ZApp pinned to the cluster by the start
# form, the nodes view with it, `:ctx` and its logs. The Docker side
# includes a shell in an instance (exec) and the log view filtered. Run
# as root (it starts the engines if needed).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || apt-get install -y -q --no-install-recommends tmux >/dev/null
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]] || apt-get install -y -q --no-install-recommends fonts-dejavu-core >/dev/null
python3 -c 'import PIL' 2>/dev/null || python3 -m pip install --quiet pillow
scripts/engines.sh start >/dev/null
cargo build --release --quiet
fake_was_running=0
scripts/fake-kube.sh status 2>/dev/null && fake_was_running=1
fake_dir="${ZOE_FAKE_KUBE_DIR:-/tmp/zoe-fake-kube}"

work="$(mktemp -d)"
trap 'tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true; rm -rf "$work"; (( fake_was_running )) || scripts/fake-kube.sh stop 2>/dev/null || true' EXIT
engines="${ZOE_ENGINES_DIR:-/tmp/zoe-engines}"
cat > "$work/zoe.toml" <<TOML
docker_config = "$engines/docker.conf"
shop = "$PWD/shop"
deployment_name = "demo"
user = "alice"
TOML
cols=120 rows=34
t() { tmux -S "$work/tmux.sock" "$@"; }
keys() { for k in "$@"; do t send-keys "$k"; sleep 0.15; done; }
wait_for() { # text, seconds
    local deadline=$((SECONDS + ${2:-20}))
    until t capture-pane -p | grep -qF -- "$1"; do
        (( SECONDS < deadline )) || { echo "timed out waiting for: $1" >&2; t capture-pane -p >&2; exit 1; }
        sleep 0.2
    done
}
shot() { # name
    sleep 0.4
    t capture-pane -e -p > "$work/$1.ansi"
    python3 scripts/ansi2png.py "$work/$1.ansi" "screenshots/$1.png" "$cols" "$rows"
    echo "screenshots/$1.png"
}

# start from an empty `demo` deployment on every engine
for host in "unix://$engines/local/docker.sock" "tcp://127.0.0.1:${ZOE_ENGINE_PORT:-23750}"; do
    ids="$(DOCKER_HOST=$host docker ps -aq --filter label=zoe_deployment_name=demo)"
    [[ -z "$ids" ]] || DOCKER_HOST=$host docker rm -f $ids >/dev/null
    nets="$(DOCKER_HOST=$host docker network ls -q --filter label=zoe_deployment_name=demo)"
    [[ -z "$nets" ]] || DOCKER_HOST=$host docker network rm $nets >/dev/null
done

mkdir -p screenshots
t new-session -d -x "$cols" -y "$rows" "env ZOE_CONFIG=$work/zoe.toml XDG_CACHE_HOME=$work XDG_STATE_HOME=$work TERM=xterm-256color target/release/zoe; sleep 60"
wait_for "hosts online" 30
shot shop
keys / ; t send-keys -l master; keys Enter Enter
wait_for "SERVICES"
shot entry
keys s Tab +
wait_for "placement preview: 7 instances"
shot start-form
keys Enter
wait_for " is running" 60
sleep 2   # the look after the launch brings the recorded endpoint
shot executions
keys Enter
wait_for "inspect"
shot inspect
# a shell in the selected instance (the UI steps aside), then back
keys s
wait_for "/ #" 20
t send-keys -l 'hostname; ps | head -5'; keys Enter
sleep 1
shot exec
t send-keys -l 'exit'; keys Enter
wait_for "inspect"
keys Escape l
wait_for "reached master" 30
sleep 3
shot logs
keys / ; t send-keys -l 'worker[12]'; keys Enter
sleep 1
shot logs-filter
keys Escape Escape 3
wait_for "all targets:"
shot nodes
keys '?'
wait_for "(any key closes)"
shot help
keys Escape 2 g t y
wait_for " terminated" 60
keys q
sleep 1
t kill-server 2>/dev/null || true

# the Kubernetes side: the hosts and the demo cluster (context fake,
# namespace zapps), web-hello pinned to the cluster by the form
scripts/fake-kube.sh start >/dev/null
cat "$work/zoe.toml" > "$work/zoe-kube.toml"
cat >> "$work/zoe-kube.toml" <<TOML

[[kubernetes]]
name = "fake"
kubeconfig = "$fake_dir/kubeconfig"
context = "fake"
TOML
t new-session -d -x "$cols" -y "$rows" "env ZOE_CONFIG=$work/zoe-kube.toml XDG_CACHE_HOME=$work XDG_STATE_HOME=$work TERM=xterm-256color target/release/zoe; sleep 60"
wait_for "fake: context fake ns zapps" 30
keys / ; t send-keys -l web; keys Enter Enter
wait_for "SERVICES"
keys s BTab -
wait_for "fake/n"
shot kube-start-form
keys Enter
wait_for " is running" 60
sleep 2
shot kube-executions
keys g l   # the newest: web-hello
wait_for "tick" 30
sleep 2
shot kube-logs
keys Escape 3
wait_for "nodes take work"
# select the node the pod is on
for _ in 1 2 3 4 5 6; do
    t capture-pane -p | grep -q "instances on fake/n[0-9] (1)" && break
    keys j
done
shot kube-nodes
keys : ; t send-keys -l ctx; keys Enter
wait_for "* fake"
shot kube-contexts
keys Escape 2 g t y
wait_for " terminated" 60
keys q
