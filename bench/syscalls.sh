#!/usr/bin/env bash
# What one connection and one keep-alive request cost each proxy, counted rather than timed: system calls per
# connection and per request, by kind (strace -c -f on Usher, on HAProxy and on nginx's one stream worker), and the
# proxy's own CPU time (utime + stime from /proc/PID/stat) per connection and per request without strace.
# Counts hold on a busy machine where rates do not; strace slows everything, so compare its counts, never its rates.
#
#   bench/syscalls.sh              all three proxies: strace tables, then CPU time (RUNS runs, median)
#   ONLY=usher bench/syscalls.sh   one proxy (usher, haproxy or nginx)
#   PERF=1 bench/syscalls.sh       also a perf profile of each: kernel against user time, the kernel's time per call
#
# Settings (environment): SECONDS_PER (3; each load's length), RUNS (5; CPU-time runs per proxy), CONNS (8; wrk
# connections), NO_STRACE=1 / NO_CPU=1 (skip a half), NO_BUILD=1, USHER_ENV ("NAME=value ..." for the usher process),
# USHER_WORKERS (1). Its own ports (2808x/2900x) and its own HAProxy and nginx, so it runs beside bench/run.sh.
# Loopback only; every load is bounded by its duration and `timeout`; everything started is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/common.sh"
SECONDS_PER=${SECONDS_PER:-3}
RUNS=${RUNS:-5}
CONNS=${CONNS:-8}
ONLY=${ONLY:-}
USHER_ENV=${USHER_ENV:-}
BACKEND=28080 HA=29011 NG=29012 US=29013
WORK=$(mktemp -d "${TMPDIR:-/tmp}/usher-syscalls.XXXXXX")
PIDS=()

cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for f in "$WORK"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  sleep 0.3
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in $BACKEND $HA $NG $US; do
  if ss -Hltn "sport = :$p" | grep -q .; then echo "syscalls.sh: port $p is in use" >&2; exit 1; fi
done

if [ "${NO_BUILD:-0}" != 1 ]; then
  log "building Usher (Release)"
  dotnet build -c Release "$ROOT/src/Usher" -nologo -v q -clp:ErrorsOnly >&2
fi
USHER_BIN=$ROOT/src/Usher/bin/Release/net10.0/usher

cat > "$WORK/backend.conf" <<NG
worker_processes 1;
pid $WORK/backend.pid;
error_log $WORK/backend.err warn;
events { worker_connections 8192; }
http { access_log off; server { listen 127.0.0.1:$BACKEND backlog=4096; location / { return 200 "ok\n"; } } }
NG
cat > "$WORK/nginx.conf" <<NG
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err warn;
events { worker_connections 8192; }
stream { server { listen 127.0.0.1:$NG backlog=4096 so_keepalive=300s:30s:3; proxy_pass 127.0.0.1:$BACKEND; } }
NG
cat > "$WORK/haproxy.cfg" <<HA
global
  maxconn 8000
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  option clitcpka
  clitcpka-idle 300s
  clitcpka-intvl 30s
  clitcpka-cnt 3
frontend fe
  bind 127.0.0.1:$HA backlog 4096
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND
HA
cat > "$WORK/usher.json" <<JSON
{ "Usher": {
    "ShutdownGrace": "00:00:01",
    "Workers": ${USHER_WORKERS:-1},
    "Defaults": { "Keepalive": { "Idle": "00:05:00", "Interval": "00:00:30", "Count": 3 } },
    "Listeners": [ { "Name": "http", "Listen": "127.0.0.1:$US", "Backend": "127.0.0.1:$BACKEND", "MaxSessionsPerIdentity": 100000 } ] } }
JSON

ulimit -Sn "$(ulimit -Hn)"
nginx -c "$WORK/backend.conf"
nginx -c "$WORK/nginx.conf"
haproxy -D -f "$WORK/haproxy.cfg" -p "$WORK/haproxy.pid"
PERFMAP=(); [ "${PERF:-0}" = 1 ] && PERFMAP=(DOTNET_PerfMapEnabled=1)
# shellcheck disable=SC2086 # USHER_ENV is a list of NAME=value words
env "${PERFMAP[@]}" $USHER_ENV "$USHER_BIN" run --config "$WORK/usher.json" --log-level Warning > "$WORK/usher.log" 2>&1 &
PIDS+=($!)
USHER_PID=$!
wait_port $BACKEND; wait_port $HA; wait_port $NG; wait_port $US

declare -A PORT=([usher]=$US [haproxy]=$HA [nginx]=$NG)
pid_of() {
  case $1 in
    usher) echo "$USHER_PID" ;;
    haproxy) cat "$WORK/haproxy.pid" ;;
    nginx) pgrep -P "$(cat "$WORK/nginx.pid")" | head -1 ;;
  esac
}
NAMES=(usher haproxy nginx)
[ -n "$ONLY" ] && NAMES=("$ONLY")

# load <port> churn|keepalive <seconds>: prints the number of requests wrk completed (= connections for churn).
load() {
  local header=() out
  [ "$2" = churn ] && header=(-H 'Connection: close')
  out=$(timeout $(($3 + 20)) wrk -t1 -c"$CONNS" -d"${3}s" "${header[@]}" "http://127.0.0.1:$1/" 2>&1)
  echo "$out" | awk '/requests in/ { print $1 }'
}

for n in "${NAMES[@]}"; do
  log "warm-up $n"
  load "${PORT[$n]}" keepalive 2 > /dev/null
  load "${PORT[$n]}" churn 2 > /dev/null
done

if [ "${NO_STRACE:-0}" != 1 ]; then
  for n in "${NAMES[@]}"; do
    for kind in churn keepalive; do
      pid=$(pid_of "$n")
      strace -c -f -q -p "$pid" -o "$WORK/strace-$n-$kind.txt" &
      spid=$!
      sleep 1
      count=$(load "${PORT[$n]}" "$kind" "$SECONDS_PER")
      kill -INT "$spid"; wait "$spid" 2>/dev/null || true
      unit=$([ "$kind" = churn ] && echo connection || echo request)
      echo "## $n, $kind: $count ${unit}s under strace; system calls per $unit"
      awk -v n="$count" '
        /^-+/ || /^% time/ || NF < 5 { next }
        $NF == "total" { total = sprintf("| **total** | **%.2f** |", $4 / n); next }
        $4 / n >= 0.01 { printf "| %s | %.2f |\n", $NF, $4 / n }
        END { print total }
      ' "$WORK/strace-$n-$kind.txt" | sort -t'|' -k3 -gr
      echo
    done
  done
fi

# perf profile (PERF=1): where each proxy's CPU goes under each load, kernel against user space, and the kernel's
# share per system call (perf's inclusive time of each __x64_sys_* entry). Needs perf; Usher runs with the .NET perf
# map, so its JIT-compiled frames are named.
if [ "${PERF:-0}" = 1 ]; then
  command -v perf > /dev/null || { echo "syscalls.sh: PERF=1 needs perf (apt-get install linux-perf)" >&2; exit 1; }
  for n in "${NAMES[@]}"; do
    for kind in churn keepalive; do
      pid=$(pid_of "$n")
      perf record -q -F 999 -g -p "$pid" -o "$WORK/perf-$n-$kind.data" -- sleep "$SECONDS_PER" > /dev/null 2>&1 &
      ppid=$!
      count=$(load "${PORT[$n]}" "$kind" "$SECONDS_PER")
      wait "$ppid" 2>/dev/null || true
      echo "## $n, $kind: perf profile ($count $([ "$kind" = churn ] && echo connections || echo requests)), share of the proxy's samples"
      perf report -i "$WORK/perf-$n-$kind.data" --no-children --sort dso -g none 2>/dev/null \
        | awk '/^ +[0-9.]+%/ { sub(/%/, "", $1); if ($2 == "[kernel.kallsyms]") k += $1; else u += $1 }
               END { printf "| kernel | %.1f%% |\n| user space (the proxy, libc, runtime) | %.1f%% |\n", k, u }'
      perf report -i "$WORK/perf-$n-$kind.data" --children --sort sym -g none 2>/dev/null \
        | awk '/\[k\] (__x64_sys_|do_writev$)/ { sub(/%/, "", $1); n = $NF; sub(/^(__x64_sys_|do_)/, "", n)
                 if ($1 >= 0.5 && !(n in seen)) { seen[n] = 1; printf "| %s | %.1f%% |\n", n, $1 } }'
      echo
    done
  done
fi

if [ "${NO_CPU:-0}" != 1 ]; then
  hz=$(getconf CLK_TCK)
  for n in "${NAMES[@]}"; do
    for kind in churn keepalive; do
      per=()
      for _ in $(seq "$RUNS"); do
        pid=$(pid_of "$n")
        before=$(cpu_ticks "$pid")
        count=$(load "${PORT[$n]}" "$kind" "$SECONDS_PER")
        after=$(cpu_ticks "$pid")
        per+=("$(awk -v t=$((after - before)) -v hz="$hz" -v n="$count" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')")
      done
      median=$(printf '%s\n' "${per[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
      echo "$n $kind: CPU µs per $([ "$kind" = churn ] && echo connection || echo request): median $median (runs: ${per[*]})"
    done
  done
fi
