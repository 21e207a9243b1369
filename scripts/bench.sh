#!/usr/bin/env bash
# The project's benchmark (README: "Benchmark"): zoe side by side with its
# reference (the docker CLI, oxker when installed) on the local engines of
# scripts/engines.sh, printed as a markdown table of medians and ratios.
#
#   scripts/bench.sh              full sizes, release build, median of 3 runs
#   scripts/bench.sh --quick      every case once at small sizes with
#                                 target/debug/zoe (CI: proves it still works,
#                                 asserts no timing)
#   options: --runs N (repetitions, default 3; quick 1), --only 1,4,9 (rows),
#            --out FILE (also write the table there)
#   env:     ZOE_BIN (the zoe binary to measure; no build then),
#            ZOE_ENGINES_DIR (default /tmp/zoe-engines)
#
# Every run measures A and B in the same round, alternating which goes
# first; the ratio is taken per round and its median printed. Everything the
# benchmark launches (containers, networks, tmux servers) carries its own
# deployment name or label and is removed at the end, on Ctrl-C and on
# failure; a SIGSTOPped daemon is always continued. Exit 1 when a row could
# not be measured (never because of a timing).
# shellcheck disable=SC2317 # the rows are called through run_row
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ROOT="$PWD"

QUICK=0
RUNS=""
ONLY=""
OUT=""
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift ;;
    --only) ONLY="${2:?--only needs a list of rows, e.g. 1,4}"; shift ;;
    --out) OUT="${2:?--out needs a file}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$RUNS" ]] || RUNS=$((QUICK ? 1 : 3))
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs must be a positive number, got $RUNS" >&2; exit 2; }

# sizes: full, or --quick
if ((QUICK)); then
  FLOOD_LINES=20000 FOLLOW_SECS=2 IDLE_CONTAINERS=6 IDLE_SECS=3 GUARD_CONTAINERS=8
  CONCURRENT=10 FLOOD_TUI_SECS=2 KEY_ROUNDS=1 HOST_TIMEOUT=3 FAST_RUNS=1
else
  FLOOD_LINES=1000000 FOLLOW_SECS=25 IDLE_CONTAINERS=102 IDLE_SECS=60 GUARD_CONTAINERS=152
  CONCURRENT=250 FLOOD_TUI_SECS=20 KEY_ROUNDS=5 HOST_TIMEOUT=20 FAST_RUNS=$((RUNS * 3))
fi

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1; }
wanted() { [[ -z "$ONLY" || ",$ONLY," == *",$1,"* ]]; }

# ---------------------------------------------------------------- engines
ENGINES_DIR="${ZOE_ENGINES_DIR:-/tmp/zoe-engines}"
STOP_ENGINES=0
if [[ $EUID -eq 0 ]]; then
  if ! need tmux; then
    log "apt-get install tmux"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tmux >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tmux >/dev/null; }
  fi
  ZOE_ENGINES_TLS=1 scripts/engines.sh status >/dev/null 2>&1 || STOP_ENGINES=1
  log "scripts/engines.sh start"
  ZOE_ENGINES_TLS=1 ZOE_ENGINES_DIR="$ENGINES_DIR" scripts/engines.sh start >/dev/null
elif ! ZOE_ENGINES_DIR="$ENGINES_DIR" scripts/engines.sh status >/dev/null 2>&1; then
  die "the engines are not running and only root can start them: sudo scripts/engines.sh start"
fi
need tmux || die "tmux is needed (apt-get install tmux)"
need docker || die "the docker CLI is needed (scripts/engines.sh start installs docker.io)"
LOCAL_ADDR="unix://$ENGINES_DIR/local/docker.sock"
REMOTE_ADDR="tcp://127.0.0.1:${ZOE_ENGINE_PORT:-23750}"
IMAGE="zoe-demo/busybox:1"
dk() { # dk HOST ARGS: the docker CLI on one engine
  local host="$1"
  shift
  case "$host" in
    local) DOCKER_HOST="$LOCAL_ADDR" docker "$@" ;;
    remote) DOCKER_HOST="$REMOTE_ADDR" docker "$@" ;;
  esac
}
dockerd_pid() { cat "$ENGINES_DIR/$1/dockerd.pid"; }

# ---------------------------------------------------------------- zoe
if [[ -n "${ZOE_BIN:-}" ]]; then
  ZOE="$ZOE_BIN"
elif ((QUICK)); then
  ZOE="$ROOT/target/debug/zoe"
  [[ -x "$ZOE" ]] || { log "cargo build"; cargo build --quiet; }
else
  log "cargo build --release"
  cargo build --release --quiet
  ZOE="$ROOT/target/release/zoe"
fi
[[ -x "$ZOE" ]] || die "no zoe binary at $ZOE"
ZOE="$(cd "$(dirname "$ZOE")" && pwd)/$(basename "$ZOE")"
OXKER="$(command -v oxker || true)"

# ---------------------------------------------------------------- setup
WORK="$(mktemp -d /tmp/zoe-bench.XXXXXX)"
DEPLOY="bench$$"
TMUX_SOCK="$WORK/tmux.sock"
REMOTE_PID=""

cleanup_cluster() { # every container and network of the benchmark
  local h ids
  for h in local remote; do
    ids="$(dk "$h" ps -aq --filter "label=zoe_deployment_name=$DEPLOY" 2>/dev/null || true)
$(dk "$h" ps -aq --filter "label=zoe-bench=$DEPLOY" 2>/dev/null || true)"
    # shellcheck disable=SC2086 # ids are words
    [[ -z "${ids//[[:space:]]/}" ]] || dk "$h" rm -f $ids >/dev/null 2>&1 || true
    ids="$(dk "$h" network ls -q --filter "label=zoe_deployment_name=$DEPLOY" 2>/dev/null || true)"
    # shellcheck disable=SC2086
    [[ -z "${ids//[[:space:]]/}" ]] || dk "$h" network rm $ids >/dev/null 2>&1 || true
  done
}
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  # row 6 stops the remote daemon: always continued (a no-op when running)
  if [[ -n "$REMOTE_PID" ]]; then kill -CONT "$REMOTE_PID" 2>/dev/null || true; fi
  tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
  log "cleaning up"
  cleanup_cluster
  rm -rf "$WORK"
  if ((STOP_ENGINES)); then ZOE_ENGINES_TLS=1 scripts/engines.sh stop >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# settings, docker.conf, deployment key and cache per host set
mkdir -p "$WORK/shop"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/deployment.key"
chmod 600 "$WORK/deployment.key"
host_conf() { printf '[%s]\ndocker_address: %s\nexternal_address: 127.0.0.1\nuse_tls: no\n\n' "$@"; }
host_conf local "$LOCAL_ADDR" >"$WORK/local.conf"
{ host_conf local "$LOCAL_ADDR"; host_conf remote "$REMOTE_ADDR"; } >"$WORK/two.conf"
for set in two local; do
  cat >"$WORK/$set.toml" <<EOF
docker_config = "$set.conf"
shop = "shop"
deployment_name = "$DEPLOY"
deployment_key_file = "deployment.key"
stop_grace_secs = 1
host_timeout_secs = $HOST_TIMEOUT
EOF
  mkdir -p "$WORK/$set/config"
  # a wrapper per host set: zoe with that set's settings and its own cache
  cat >"$WORK/zoe-$set" <<EOF
#!/bin/sh
unset DOCKER_HOST
export ZOE_CONFIG="$WORK/$set.toml" XDG_CACHE_HOME="$WORK/$set" XDG_STATE_HOME="$WORK/$set/state"
export XDG_CONFIG_HOME="$WORK/$set/config" USER=bench
exec "$ZOE" "\$@"
EOF
  chmod +x "$WORK/zoe-$set"
done
ZOE_TWO="$WORK/zoe-two"
ZOE_LOCAL="$WORK/zoe-local"

# the bench ZApps: DIR NAME COUNT COMMAND -> entry DIR-0
zapp() {
  local dir="$WORK/shop/$1"
  mkdir -p "$dir"
  printf '{"version": 1, "zapps": [{"category": "Bench", "name": "%s", "description": "app.json", "readable_descr": "README.md", "parameters": []}]}\n' "$2" >"$dir/manifest.json"
  printf '# %s\n' "$2" >"$dir/README.md"
  printf '\x89PNG\r\n\x1a\n' >"$dir/logo.png"
  printf '{"name": "%s", "version": 3, "will_end": false, "size": 1, "services": [{"name": "%s", "image": "%s", "monitor": true, "startup_order": 0, "total_count": %s, "essential_count": %s, "resources": {"memory": {"min": 8388608, "max": null}, "cores": {"min": 0.001, "max": null}}, "ports": [], "environment": [], "volumes": [], "command": "%s"}]}\n' \
    "$1" "$1" "$IMAGE" "$3" "$3" "$4" >"$dir/app.json"
}
zapp flood "Bench flood" 1 "sh -c 'seq 1 $FLOOD_LINES; exec sleep 99999999'"
zapp printer "Bench printer" 1 "yes"
zapp idle "Bench idle" 1 "sleep 99999999"
zapp idlesix "Bench idle, 6" 6 "sleep 99999999"
zapp twelve "Bench twelve" 12 "sleep 99999999"

# ---------------------------------------------------------------- helpers
now_us() { local t="${EPOCHREALTIME/./}"; echo "$((10#$t))"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "nan"; else printf "%.3f", a / b }'; }
calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
# a duration in microseconds, readable
dur() { awk -v u="$1" 'BEGIN { if (u == "nan") print "n/a"; else if (u >= 1e6) printf "%.2f s", u / 1e6; else if (u >= 1e4) printf "%.0f ms", u / 1e3; else printf "%.1f ms", u / 1e3 }'; }
x() { if [[ "$1" == nan ]]; then echo "n/a"; else awk -v r="$1" 'BEGIN { printf "%.2fx", r }'; fi; }
# time_any_us CMD...: microseconds the command took, whatever it exits with
time_any_us() {
  local t0 t1
  t0=$(now_us)
  "$@" >/dev/null 2>&1 || true
  t1=$(now_us)
  echo $((t1 - t0))
}
# time_us CMD...: microseconds the command took (output discarded); fails with it
time_us() {
  local t0 t1
  t0=$(now_us)
  "$@" >/dev/null 2>"$WORK/last.err" || { log "failed: $* ($(head -c 300 "$WORK/last.err"))"; return 1; }
  t1=$(now_us)
  echo $((t1 - t0))
}

ROWS="$WORK/rows.tsv"
: >"$ROWS"
# row NUM CASE ZOE REFERENCE RATIO GOAL NOTE
row() {
  local IFS=$'\t'
  echo "$*" >>"$ROWS"
  log "row $1: $2 | zoe $3 | ref $4 | ratio $5 | goal $6${7:+ | $7}"
}

# start_exec WRAPPER ENTRY NAME: launches, prints the execution id
start_exec() {
  local out
  out="$("$1" start "$2" --name "$3" -o json 2>"$WORK/start.err")" || {
    log "zoe start $2 failed: $(tail -n 1 "$WORK/start.err")"
    return 1
  }
  out="$(tr -d ' \n' <<<"$out")"
  out="${out#*\"execution\":\"}"
  echo "${out%%\"*}"
}
# container_of ID: "HOST CONTAINER" of the execution's first container
container_of() {
  local h c
  for h in local remote; do
    c="$(dk "$h" ps -q --no-trunc --filter "label=zoe_execution_id=$1" 2>/dev/null | head -n 1 || true)"
    [[ -n "$c" ]] && { echo "$h $c"; return 0; }
  done
  return 1
}
kill_exec() { "$1" kill "$2" >/dev/null 2>&1 || true; }
running_count() { # HOST...: running containers of the benchmark there
  local h n=0
  for h in "$@"; do n=$((n + $(dk "$h" ps -q --filter "label=zoe_deployment_name=$DEPLOY" --filter status=running | wc -l))); done
  echo "$n"
}
# grow WRAPPER N: launches idle executions (6 containers, then 1) until the
# benchmark runs N containers on the wrapper's hosts
grow() {
  local hosts=(local) have i=0
  [[ "$1" == "$ZOE_TWO" ]] && hosts=(local remote)
  have=$(running_count "${hosts[@]}")
  while ((have < $2)); do
    i=$((i + 1))
    if (($2 - have >= 6)); then
      start_exec "$1" idlesix-0 "idle-$have" >/dev/null || return 1
    else
      start_exec "$1" idle-0 "idle-$have" >/dev/null || return 1
    fi
    have=$(running_count "${hosts[@]}")
  done
  log "$have containers running"
}
cpu_ticks() { # PID...: utime+stime
  local p f total=0
  for p in "$@"; do
    read -ra f <"/proc/$p/stat"
    # fields after the command name, which has no spaces here
    total=$((total + f[13] + f[14]))
  done
  echo "$total"
}
CLK_TCK="$(getconf CLK_TCK)"
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
f2() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }

# ------------------------------------------------------------ the TUI in tmux
# tui_start CMD...: a pane (tmux server of its own) that runs CMD once
# tui_go is called; prints nothing. The pane's shell waits on a fifo so the
# time of tmux's own start is not counted.
GO="$WORK/go"
tui_start() {
  tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
  rm -f "$GO"
  mkfifo "$GO"
  local cmd="read _ < '$GO'; exec"
  local a
  for a in "$@"; do cmd+=" '$a'"; done
  tmux -S "$TMUX_SOCK" new-session -d -x 160 -y 45 sh -c "$cmd"
}
tui_go() { echo go >"$GO"; }
tui_screen() { tmux -S "$TMUX_SOCK" capture-pane -p 2>/dev/null || true; }
tui_pid() { tmux -S "$TMUX_SOCK" display -p '#{pane_pid}'; }
tui_stop() { tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true; }
# tui_wait T0 SECS REGEX: microseconds from T0 until the screen matches
tui_wait() {
  local t0="$1" deadline=$(($(now_us) + $2 * 1000000)) s
  while :; do
    s="$(tui_screen)"
    if [[ "$s" =~ $3 ]]; then echo $(($(now_us) - t0)); return 0; fi
    (($(now_us) < deadline)) || { log "timed out after $2 s waiting for /$3/ on the screen:"; tui_screen | sed -n "1,${BENCH_SCREEN_LINES:-12}p" >&2; return 1; }
  done
}
# tui_wait_not T0 SECS REGEX: until the screen no longer matches
tui_wait_not() {
  local t0="$1" deadline=$(($(now_us) + $2 * 1000000)) s
  while :; do
    s="$(tui_screen)"
    if ! [[ "$s" =~ $3 ]]; then echo $(($(now_us) - t0)); return 0; fi
    (($(now_us) < deadline)) || { log "timed out after $2 s waiting for /$3/ to go"; return 1; }
  done
}
DRAWN='[^[:space:]]'
ZOE_DATA='2/2 hosts online'
# oxker shows containers by name; ours all end with the deployment name
# oxker shows one host's containers: a container of ours there to look for
OXKER_MARK="oxker-mark-$DEPLOY"
# its container count in the title: the containers are listed
OXKER_DATA="Containers [0-9]+/[1-9]"
oxker_start() {
  dk local inspect "$OXKER_MARK" >/dev/null 2>&1 ||
    dk local run -d --label "zoe-bench=$DEPLOY" --name "$OXKER_MARK" "$IMAGE" sleep 99999999 >/dev/null 2>&1
  tui_start env DOCKER_HOST="$LOCAL_ADDR" "$OXKER"
}

# ---------------------------------------------------------------- the rows
row_nodes() { # 3
  local r t_z t_d zs=() ds=() rs=() us=() ns=() usage=0 no_usage=0
  "$ZOE_TWO" nodes >/dev/null || die "zoe nodes failed with both engines up"
  "$ZOE_TWO" nodes --help | grep -q -- '--usage' && usage=1
  "$ZOE_TWO" nodes --help | grep -q -- '--no-usage' && no_usage=1
  for ((r = 1; r <= FAST_RUNS; r++)); do
    if ((r % 2)); then
      t_z=$(time_us "$ZOE_TWO" nodes); t_d=$(time_us dk local info)
    else
      t_d=$(time_us dk local info); t_z=$(time_us "$ZOE_TWO" nodes)
    fi
    zs+=("$t_z"); ds+=("$t_d"); rs+=("$(ratio "$t_z" "$t_d")")
    ((usage)) && us+=("$(time_us "$ZOE_TWO" nodes --usage)")
    ((no_usage)) && ns+=("$(time_us "$ZOE_TWO" nodes --no-usage)")
  done
  row 3 "\`zoe nodes\` (2 hosts) vs \`docker info\` (1 host)" "$(dur "$(median "${zs[@]}")")" "$(dur "$(median "${ds[@]}")")" \
    "$(x "$(median "${rs[@]}")")" "<= 0.2 s and <= 2x" ""
  # plain `zoe nodes` waits at most 300 ms for usage (only where ZApps run)
  if ((no_usage)); then
    row 3 "\`zoe nodes --no-usage\` (2 hosts), for information" "$(dur "$(median "${ns[@]}")")" "" "" "" ""
  fi
  if ((usage)); then
    row 3 "\`zoe nodes --usage\` (2 hosts), for information" "$(dur "$(median "${us[@]}")")" "" "" "" ""
  else
    row 3 "\`zoe nodes --usage\`" "n/a" "" "" "" "no --usage flag in this build"
  fi
}

FLOOD_ID=""
row_logs() { # 1
  local hc h c r t_z t_d zs=() ds=() rs=() n
  FLOOD_ID=$(start_exec "$ZOE_TWO" flood-0 flood) || return 1
  hc=$(container_of "$FLOOD_ID") || { log "the flood container is not running"; return 1; }
  read -r h c <<<"$hc"
  local deadline=$((SECONDS + 300))
  until [[ "$(dk "$h" logs --tail 1 "$c" 2>/dev/null)" == "$FLOOD_LINES" ]]; do
    ((SECONDS < deadline)) || { log "the flood did not reach $FLOOD_LINES lines in 300 s"; return 1; }
    sleep 0.5
  done
  n=$("$ZOE_TWO" logs "$FLOOD_ID" | wc -l)
  [[ "$n" == "$FLOOD_LINES" ]] || { log "zoe logs gave $n lines, not $FLOOD_LINES"; return 1; }
  for ((r = 1; r <= RUNS; r++)); do
    if ((r % 2)); then
      t_z=$(time_us "$ZOE_TWO" logs "$FLOOD_ID"); t_d=$(time_us dk "$h" logs "$c")
    else
      t_d=$(time_us dk "$h" logs "$c"); t_z=$(time_us "$ZOE_TWO" logs "$FLOOD_ID")
    fi
    zs+=("$t_z"); ds+=("$t_d"); rs+=("$(ratio "$t_z" "$t_d")")
  done
  row 1 "\`zoe logs\` > /dev/null, $FLOOD_LINES lines, vs \`docker logs\`" "$(dur "$(median "${zs[@]}")")" \
    "$(dur "$(median "${ds[@]}")")" "$(x "$(median "${rs[@]}")")" "<= 1.0x" "container on $h"
}

row_follow() { # 2
  local r id hc h c n_z n_d zs=() ds=() rs=()
  follow_zoe() { timeout "$FOLLOW_SECS" "$ZOE_TWO" logs -f --tail 0 "$1" 2>/dev/null | wc -l || true; }
  follow_docker() { timeout "$FOLLOW_SECS" env DOCKER_HOST="$([[ $1 == local ]] && echo "$LOCAL_ADDR" || echo "$REMOTE_ADDR")" docker logs -f --tail 0 "$2" 2>/dev/null | wc -l || true; }
  for ((r = 1; r <= RUNS; r++)); do
    id=$(start_exec "$ZOE_TWO" printer-0 "printer-$r") || return 1
    hc=$(container_of "$id") || { log "the printer is not running"; return 1; }
    read -r h c <<<"$hc"
    sleep 1
    if ((r % 2)); then
      n_z=$(follow_zoe "$id"); n_d=$(follow_docker "$h" "$c")
    else
      n_d=$(follow_docker "$h" "$c"); n_z=$(follow_zoe "$id")
    fi
    kill_exec "$ZOE_TWO" "$id"
    ((n_z > 0 && n_d > 0)) || { log "a follower received nothing (zoe $n_z, docker $n_d lines)"; return 1; }
    zs+=("$((n_z / FOLLOW_SECS))"); ds+=("$((n_d / FOLLOW_SECS))"); rs+=("$(ratio "$n_z" "$n_d")")
  done
  row 2 "\`zoe logs -f\` of a flat-out printer, ${FOLLOW_SECS} s: lines/s, vs \`docker logs -f\`" \
    "$(median "${zs[@]}") lines/s" "$(median "${ds[@]}") lines/s" "$(x "$(median "${rs[@]}")")" ">= 1.0x" "container on $h"
}

row_tui_start() { # 4 and 10
  local r t0 first data zf=() zd=() of=() od=() after=() pss=() infos=() rs=() rf=()
  for ((r = 1; r <= FAST_RUNS; r++)); do
    pss+=("$(time_us "$ZOE_TWO" ps)"); infos+=("$(time_us dk local info)")
    tui_start "$ZOE_TWO"
    t0=$(now_us); tui_go
    first=$(tui_wait "$t0" 30 "$DRAWN") || return 1
    data=$(tui_wait "$t0" 30 "$ZOE_DATA") || return 1
    tui_stop
    zf+=("$first"); zd+=("$data"); after+=("$((data - pss[-1]))")
    if [[ -n "$OXKER" ]]; then
      oxker_start
      t0=$(now_us); tui_go
      first=$(tui_wait "$t0" 30 "$DRAWN") || return 1
      data=$(tui_wait "$t0" 30 "$OXKER_DATA") || return 1
      tui_stop
      of+=("$first"); od+=("$data"); rs+=("$(ratio "${zd[-1]}" "$data")"); rf+=("$(ratio "${zf[-1]}" "$first")")
    fi
  done
  if [[ -n "$OXKER" ]]; then
    row 4 "TUI: start to data on screen, vs oxker" "$(dur "$(median "${zd[@]}")")" "$(dur "$(median "${od[@]}")")" \
      "$(x "$(median "${rs[@]}")")" "" "zoe: 2 hosts online; oxker: its container list (1 host)"
    row 10 "TUI first frame, vs oxker" "$(dur "$(median "${zf[@]}")")" "$(dur "$(median "${of[@]}")")" "$(x "$(median "${rf[@]}")")" "" "oxker 65 ms in the issue"
  else
    row 4 "TUI: start to data on screen (2 hosts online)" "$(dur "$(median "${zd[@]}")")" "n/a" "" "" "oxker not installed (cargo install oxker)"
    row 10 "TUI first frame" "$(dur "$(median "${zf[@]}")")" "65 ms (oxker, issue)" "" "" "oxker not installed"
  fi
  row 4 "TUI: data after the hosts answer (TUI data - \`zoe ps\`)" "$(dur "$(median "${after[@]}")")" \
    "zoe ps $(dur "$(median "${pss[@]}")"), docker info $(dur "$(median "${infos[@]}")")" "" "<= 0.3 s" ""
}

# dockerd_cpu_per_min SECS: dockerd CPU-seconds per minute (both engines) over SECS
dockerd_cpu_per_min() {
  local pids a b
  pids=("$(dockerd_pid local)" "$(dockerd_pid remote)")
  a=$(cpu_ticks "${pids[@]}"); sleep "$1"; b=$(cpu_ticks "${pids[@]}")
  calc "($b - $a) / $CLK_TCK * 60 / $1"
}
row_dockerd_cpu() { # 5
  local r base tui ox zs=() os=()
  grow "$ZOE_TWO" "$IDLE_CONTAINERS" || return 1
  for ((r = 1; r <= RUNS; r++)); do
    if ((r % 2)); then base=$(dockerd_cpu_per_min "$IDLE_SECS"); fi
    tui_start "$ZOE_TWO"; tui_go
    tui_wait "$(now_us)" 60 "$ZOE_DATA" >/dev/null || return 1
    tui=$(dockerd_cpu_per_min "$IDLE_SECS"); tui_stop
    if [[ -n "$OXKER" ]]; then
      oxker_start; tui_go
      tui_wait "$(now_us)" 60 "$OXKER_DATA" >/dev/null || return 1
      ox=$(dockerd_cpu_per_min "$IDLE_SECS"); tui_stop
    fi
    if ! ((r % 2)); then base=$(dockerd_cpu_per_min "$IDLE_SECS"); fi
    zs+=("$(calc "$tui - $base")")
    [[ -n "$OXKER" ]] && os+=("$(calc "$ox - $base")")
  done
  local ref="n/a" rat="" note="oxker not installed; " n
  n=$(running_count local remote)
  if [[ -n "$OXKER" ]]; then ref="$(f2 "$(median "${os[@]}")") CPU-s/min (oxker, 1 host)"; rat="$(x "$(ratio "$(median "${zs[@]}")" "$(median "${os[@]}")")")"; note=""; fi
  row 5 "dockerd CPU caused by an idle TUI, $n containers, ${IDLE_SECS} s windows" "$(f2 "$(median "${zs[@]}")") CPU-s/min" "$ref" "$rat" "<= 0.5 CPU-s/min" "${note}both engines' dockerd, minus no console"
}

row_hung() { # 6
  local r t_two t_one tui t0 twos=() ones=() tuis=() rs=()
  for ((r = 1; r <= RUNS; r++)); do
    "$ZOE_LOCAL" ps >/dev/null 2>&1 || true # its cache is as warm as the other's
    kill -STOP "$REMOTE_PID"
    if ((r % 2)); then
      t_two=$(time_any_us timeout 120 "$ZOE_TWO" ps -a); t_one=$(time_us "$ZOE_LOCAL" ps -a)
    else
      t_one=$(time_us "$ZOE_LOCAL" ps -a); t_two=$(time_any_us timeout 120 "$ZOE_TWO" ps -a)
    fi
    tui_start "$ZOE_TWO"
    t0=$(now_us); tui_go
    # the local host's data: the header counts it online
    tui=$(tui_wait "$t0" 120 '[12]/2 hosts online') || tui=nan
    tui_stop
    kill -CONT "$REMOTE_PID"
    dk remote info >/dev/null 2>&1
    twos+=("$t_two"); ones+=("$t_one"); tuis+=("$tui"); rs+=("$(ratio "$t_two" "$t_one")")
  done
  row 6 "\`zoe ps\`, remote dockerd SIGSTOPped, vs \`zoe ps\` with local alone" "$(dur "$(median "${twos[@]}")")" \
    "$(dur "$(median "${ones[@]}")")" "$(x "$(median "${rs[@]}")")" "healthy data at once" "host_timeout_secs = $HOST_TIMEOUT"
  row 6 "TUI data (local online), remote dockerd SIGSTOPped" "$(dur "$(median "${tuis[@]}")")" "$(dur "$(median "${ones[@]}")") (zoe ps, local alone)" "" "at once" ""
}

row_guard_idle() { # 8
  local r pid a b rss cz=() mz=() co=() mo=()
  grow "$ZOE_TWO" "$GUARD_CONTAINERS" || return 1
  for ((r = 1; r <= RUNS; r++)); do
    tui_start "$ZOE_TWO"; tui_go
    tui_wait "$(now_us)" 60 "$ZOE_DATA" >/dev/null || return 1
    pid=$(tui_pid)
    a=$(cpu_ticks "$pid"); sleep "$IDLE_SECS"; b=$(cpu_ticks "$pid"); rss=$(hwm_kb "$pid")
    tui_stop
    cz+=("$(calc "($b - $a) / $CLK_TCK * 100 / $IDLE_SECS")"); mz+=("$rss")
    if [[ -n "$OXKER" ]]; then
      oxker_start; tui_go
      tui_wait "$(now_us)" 60 "$OXKER_DATA" >/dev/null || return 1
      pid=$(tui_pid)
      a=$(cpu_ticks "$pid"); sleep "$IDLE_SECS"; b=$(cpu_ticks "$pid"); rss=$(hwm_kb "$pid")
      tui_stop
      co+=("$(calc "($b - $a) / $CLK_TCK * 100 / $IDLE_SECS")"); mo+=("$rss")
    fi
  done
  local n ref="3.0 %, 460 MB (oxker, issue)"
  n=$(running_count local remote)
  [[ -n "$OXKER" ]] && ref="$(f2 "$(median "${co[@]}")") %, $(mb "$(median "${mo[@]}")") (oxker, 1 host)"
  row 8 "guard: idle TUI, $n containers: CPU % of a core, peak RSS" "$(f2 "$(median "${cz[@]}")") %, $(mb "$(median "${mz[@]}")")" "$ref" "" "" "${IDLE_SECS} s"
}

row_guard_flood() { # 9
  local r id t0 pid keys=() rss=() open=()
  for ((r = 1; r <= RUNS; r++)); do
    id=$(start_exec "$ZOE_TWO" printer-0 "flood-tui-$r") || return 1
    tui_start "$ZOE_TWO"; tui_go
    tui_wait "$(now_us)" 60 "$ZOE_DATA" >/dev/null || return 1
    pid=$(tui_pid)
    # the executions view, filtered to the printer, then its logs
    tmux -S "$TMUX_SOCK" send-keys 2 /
    tmux -S "$TMUX_SOCK" send-keys -l "flood-tui-$r"
    tmux -S "$TMUX_SOCK" send-keys Enter
    tui_wait "$(now_us)" 20 "flood-tui-$r +printer-0 +bench +running" >/dev/null || return 1
    t0=$(now_us)
    tmux -S "$TMUX_SOCK" send-keys l
    # a printer's line: `│ y`, or `│ 12:34:56 y` with the time column on (the default)
    open+=("$(tui_wait "$t0" 30 '│ ([0-9]{2}:[0-9]{2}:[0-9]{2} )?y ')") || return 1
    sleep "$FLOOD_TUI_SECS"
    local k
    for ((k = 1; k <= KEY_ROUNDS; k++)); do
      t0=$(now_us); tmux -S "$TMUX_SOCK" send-keys '?'
      keys+=("$(tui_wait "$t0" 20 'follow / pause')") || return 1
      t0=$(now_us); tmux -S "$TMUX_SOCK" send-keys Escape
      keys+=("$(tui_wait_not "$t0" 20 'follow / pause')") || return 1
    done
    rss+=("$(hwm_kb "$pid")")
    tui_stop
    kill_exec "$ZOE_TWO" "$id"
  done
  row 9 "guard: TUI following a flat-out printer ${FLOOD_TUI_SECS} s: peak RSS, key response" \
    "$(mb "$(median "${rss[@]}")"), $(dur "$(median "${keys[@]}")")" "700 MB, 40-250 ms (oxker, issue)" "" "" \
    "logs on screen in $(dur "$(median "${open[@]}")"); key: ? then Esc"
}

row_launch12() { # 11
  local r id t zs=() ps=() ss=() i
  # what zoe does too: a network of the execution's own, 12 containers on it
  docker_net() {
    dk local network create --label "zoe_deployment_name=$DEPLOY" "bench-$DEPLOY-$r-$1" >/dev/null
  }
  docker_par() {
    local j pids=()
    docker_net par
    for ((j = 1; j <= 12; j++)); do dk local run -d --label "zoe-bench=$DEPLOY" --network "bench-$DEPLOY-$r-par" "$IMAGE" sleep 99999999 >/dev/null 2>&1 & pids+=($!); done
    for j in "${pids[@]}"; do wait "$j"; done
  }
  docker_seq() {
    local j
    docker_net seq
    for ((j = 1; j <= 12; j++)); do dk local run -d --label "zoe-bench=$DEPLOY" --network "bench-$DEPLOY-$r-seq" "$IMAGE" sleep 99999999 >/dev/null 2>&1; done
  }
  zoe12() { start_exec "$ZOE_LOCAL" twelve-0 "twelve-$r" >/dev/null; }
  for ((r = 1; r <= RUNS; r++)); do
    for i in 0 1 2; do
      case $(((i + r) % 3)) in
        0) t=$(time_us zoe12) || return 1; zs+=("$t") ;;
        1) t=$(time_us docker_par) || return 1; ps+=("$t") ;;
        2) t=$(time_us docker_seq) || return 1; ss+=("$t") ;;
      esac
      cleanup_cluster
    done
  done
  row 11 "launch 12 containers: \`zoe start\` (one execution of 12) vs 12 \`docker run\` in parallel" "$(dur "$(median "${zs[@]}")")" \
    "$(dur "$(median "${ps[@]}")")" "$(x "$(ratio "$(median "${zs[@]}")" "$(median "${ps[@]}")")")" "" "local host; docker: a network, then the 12 on it"
  row 11 "launch 12 containers: vs 12 \`docker run\` one after the other" "$(dur "$(median "${zs[@]}")")" \
    "$(dur "$(median "${ss[@]}")")" "$(x "$(ratio "$(median "${zs[@]}")" "$(median "${ss[@]}")")")" "" "local host"
}

row_concurrent() { # 7
  local i n=0 t0 why="reached the target"
  cleanup_cluster
  t0=$(now_us)
  for ((i = 1; i <= CONCURRENT; i++)); do
    if ! start_exec "$ZOE_LOCAL" idle-0 "c$i" >/dev/null; then
      # the daemon's reason, short and without table separators
      why="launch $i failed: $(tail -n 1 "$WORK/start.err" | sed 's/.*failed and was removed: //; s/|/\//g' | cut -c 1-140)"
      break
    fi
  done
  n=$(running_count local)
  row 7 "concurrent one-container executions on one host (target $CONCURRENT)" "$n running" "" "" ">= 250" \
    "$why; $(dur $(($(now_us) - t0))) to launch"
  cleanup_cluster
}

# ---------------------------------------------------------------- main
FAILED=0
run_row() { # NUMS FUNCTION: a row that fails is reported and the others go on
  local n wanted=0
  for n in ${1//,/ }; do wanted "$n" && wanted=1; done
  ((wanted)) || return 0
  log "row $1"
  set +e
  (
    set -e
    "$2"
  )
  local rc=$?
  set -e
  if ((rc)); then
    FAILED=1
    row "${1%%,*}" "$2" "FAILED" "" "" "" "see the log above"
    tui_stop
    kill -CONT "$REMOTE_PID" 2>/dev/null || true
  fi
}
REMOTE_PID="$(dockerd_pid remote)"
[[ -n "$REMOTE_PID" ]] || die "no pid for the remote dockerd in $ENGINES_DIR/remote/dockerd.pid"

log "zoe: $ZOE; oxker: ${OXKER:-not installed}; runs: $RUNS; $((QUICK)) = quick; work dir $WORK"
T_START=$SECONDS
# few containers first, then the idle ones grow (5, 6, 8), then one host alone (7)
run_row 3 row_nodes
run_row 1 row_logs
run_row 4,10 row_tui_start
run_row 2 row_follow
run_row 9 row_guard_flood
run_row 11 row_launch12
run_row 5 row_dockerd_cpu
run_row 6 row_hung
run_row 8 row_guard_idle
cleanup_cluster
run_row 7 row_concurrent

TABLE="$WORK/table.md"
{
  echo "zoe $("$ZOE" --version | awk '{ print $2 }') ($(basename "$(dirname "$ZOE")")), $(nproc) cores, $RUNS run(s)$( ((QUICK)) && echo ', --quick sizes'), $(date -u +%Y-%m-%d)"
  echo
  echo "| # | case | zoe | reference | ratio | goal | note |"
  echo "|---|------|-----|-----------|-------|------|------|"
  sort -t $'\t' -k1,1n -s "$ROWS" | awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
} >"$TABLE"
echo
cat "$TABLE"
[[ -z "$OUT" ]] || cp "$TABLE" "$OUT"
log "done in $((SECONDS - T_START)) s"
exit "$FAILED"
