#!/usr/bin/env bash
# Usher beside HAProxy and nginx (stream) on loopback, in one run: iperf3 throughput, connection churn, keep-alive
# rate and latency, RSS per idle session, and a refusal storm. Prints one table and writes it as Markdown to
# bench/results/<UTC timestamp>.md (raw tool output under bench/results/raw/<timestamp>/, not committed).
#
#   bench/run.sh                 full run (DURATION=10 s per measurement)
#   QUICK=1 bench/run.sh         smoke run (3 s per measurement, 1 s warm-ups)
#
# Settings (environment): DURATION (seconds, "10" or "10s"), WARMUP (seconds), IDLE_SESSIONS (5000), IDLE_HOLD (2),
# NO_BUILD=1 (use the existing Release build), USHER_ENV ("NAME=value ..." passed to the usher process only, for
# experiments; recorded in the results), USHER_BENCH_SHARED (folder holding anchors.sh and idleconns.py).
# Targets only 127.0.0.1; every load is bounded by its duration and by `timeout`; everything started is stopped on
# any exit (usher killed, anchors down).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  DURATION=${DURATION:-3}; WARMUP=${WARMUP:-1}
else
  DURATION=${DURATION:-10}; WARMUP=${WARMUP:-3}
fi
DURATION=${DURATION%s}; WARMUP=${WARMUP%s}
IDLE_SESSIONS=${IDLE_SESSIONS:-5000}
IDLE_HOLD=${IDLE_HOLD:-2}
USHER_ENV=${USHER_ENV:-}

# Ports: anchors as anchors.sh sets them; Usher beside them.
HTTP_BACKEND=18080 IPERF_BACKEND=15201
HA_HTTP=19001 HA_IPERF=19201 NG_HTTP=19002 NG_IPERF=19202
US_HTTP=19003 US_IPERF=19203 US_REFUSE=19004

find_shared() {
  local d
  for d in "${USHER_BENCH_SHARED:-}" "$ROOT/../shared/bench" "/work/shared/bench"; do
    if [ -n "$d" ] && [ -x "$d/anchors.sh" ] && [ -f "$d/idleconns.py" ]; then (cd "$d" && pwd); return 0; fi
  done
  echo "run.sh: anchors.sh and idleconns.py not found; set USHER_BENCH_SHARED to their folder" >&2
  return 1
}
SHARED=$(find_shared)
ANCHORS=$SHARED/anchors.sh
IDLECONNS=$SHARED/idleconns.py
LIB=$ROOT/bench/lib

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$ROOT/bench/results
RAW=$RESULTS/raw/$STAMP
MD=$RESULTS/$STAMP.md
mkdir -p "$RAW"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/usher-bench.XXXXXX")
# Our own pid files, so `down` stops only what this run started.
export ANCHORS_DIR=$WORK/anchors
USHER_PID=""
ANCHORS_STARTED=0
STARTED_AT=$(date +%s)

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$USHER_PID" ] && kill -0 "$USHER_PID" 2>/dev/null; then
    kill -TERM "$USHER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$USHER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$USHER_PID" 2>/dev/null
    wait "$USHER_PID" 2>/dev/null
  fi
  if [ "$ANCHORS_STARTED" = 1 ]; then "$ANCHORS" down >/dev/null 2>&1; fi
  rm -rf "$WORK"
  if [ "$rc" != 0 ]; then echo "run.sh: failed (exit $rc); raw output in $RAW" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

wait_port() {
  local p=$1 i
  for i in $(seq 100); do port_listening "$p" && return 0; sleep 0.1; done
  echo "run.sh: nothing listens on 127.0.0.1:$p after 10 s" >&2
  return 1
}

for p in $HTTP_BACKEND $IPERF_BACKEND $HA_HTTP $HA_IPERF $NG_HTTP $NG_IPERF $US_HTTP $US_IPERF $US_REFUSE; do
  if port_listening "$p"; then
    echo "run.sh: port $p is already in use (another benchmark or anchors.sh up?); stop it first" >&2
    exit 1
  fi
done

ulimit -Sn "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_SESSIONS * 2 + 200)) ]; then
  echo "run.sh: the open-file limit $(ulimit -n) is too low for $IDLE_SESSIONS idle sessions" >&2
  exit 1
fi

# --- Build -----------------------------------------------------------------------------------------------------
if [ "${NO_BUILD:-0}" != 1 ]; then
  log "building Usher (Release)"
  dotnet build -c Release "$ROOT/src/Usher" -nologo -v q -clp:ErrorsOnly > "$RAW/build.log" 2>&1 \
    || { cat "$RAW/build.log" >&2; exit 1; }
fi
USHER_BIN=$ROOT/src/Usher/bin/Release/net10.0/usher
[ -x "$USHER_BIN" ] || { echo "run.sh: $USHER_BIN is missing (build failed?)" >&2; exit 1; }

# --- Anchors and Usher ----------------------------------------------------------------------------------------
anchors_up() { ANCHORS_STARTED=1; "$ANCHORS" up >> "$RAW/anchors.log" 2>&1; wait_port $HA_HTTP; wait_port $NG_HTTP; wait_port $HTTP_BACKEND; wait_port $IPERF_BACKEND; }
nginx_worker() { pgrep -P "$(cat "$ANCHORS_DIR/nginx.pid")" | head -1; }
haproxy_pid() { cat "$ANCHORS_DIR/haproxy.pid"; }

log "starting anchors (HAProxy, nginx, backends)"
anchors_up

# nginx serves the HTTP backend from the same worker as its stream proxy, so its idle-session growth includes the
# backend's side of each session. Measure that share first, on a fresh worker, then restart the anchors so every
# RSS figure below starts from a fresh process.
log "RSS: nginx backend's own share ($IDLE_SESSIONS direct sessions to :$HTTP_BACKEND)"
timeout 300 python3 "$IDLECONNS" $HTTP_BACKEND "$IDLE_SESSIONS" "$(nginx_worker)" "$IDLE_HOLD" > "$RAW/idle-nginx-backend.txt"
"$ANCHORS" down >> "$RAW/anchors.log" 2>&1
sleep 1
anchors_up

cat > "$WORK/usher.json" <<JSON
{
  "Usher": {
    "ShutdownGrace": "00:00:01",
    "Workers": ${USHER_WORKERS:-1},
    "Defaults": { "Keepalive": { "Idle": "00:05:00", "Interval": "00:00:30", "Count": 3 } },
    "Listeners": [
      { "Name": "http", "Listen": "127.0.0.1:$US_HTTP", "Backend": "127.0.0.1:$HTTP_BACKEND", "MaxSessionsPerIdentity": 100000 },
      { "Name": "iperf", "Listen": "127.0.0.1:$US_IPERF", "Backend": "127.0.0.1:$IPERF_BACKEND" },
      { "Name": "refuse", "Listen": "127.0.0.1:$US_REFUSE", "Backend": "127.0.0.1:$HTTP_BACKEND", "MaxSessionsPerIdentity": 1 }
    ]
  }
}
JSON
cp "$WORK/usher.json" "$RAW/usher.json"
log "starting Usher ($US_HTTP, $US_IPERF, refusal listener $US_REFUSE)"
# shellcheck disable=SC2086 # USHER_ENV is a list of NAME=value words
env $USHER_ENV "$USHER_BIN" run --config "$WORK/usher.json" --log-level Warning > "$RAW/usher.log" 2>&1 &
USHER_PID=$!
wait_port $US_HTTP; wait_port $US_IPERF; wait_port $US_REFUSE

NAMES=(usher haproxy nginx)
declare -A HTTP=([usher]=$US_HTTP [haproxy]=$HA_HTTP [nginx]=$NG_HTTP)
declare -A IPERF=([usher]=$US_IPERF [haproxy]=$HA_IPERF [nginx]=$NG_IPERF)
pid_of() { case $1 in usher) echo "$USHER_PID" ;; haproxy) haproxy_pid ;; nginx) nginx_worker ;; esac; }

# --- Warm-up (JIT for Usher, pools for all): a short keep-alive load on each ------------------------------------
for n in "${NAMES[@]}"; do
  log "warm-up $n (${WARMUP} s)"
  timeout $((WARMUP + 15)) wrk -t2 -c16 -d"${WARMUP}s" "http://127.0.0.1:${HTTP[$n]}/" > "$RAW/warmup-$n.txt" 2>&1
done

# --- RSS per idle session (first, while the processes have held few sessions) ------------------------------------
for n in "${NAMES[@]}"; do
  log "RSS: $IDLE_SESSIONS idle sessions through $n"
  timeout 300 python3 "$IDLECONNS" "${HTTP[$n]}" "$IDLE_SESSIONS" "$(pid_of "$n")" "$IDLE_HOLD" > "$RAW/idle-$n.txt"
  sleep 2
done

# --- iperf3 throughput ----------------------------------------------------------------------------------------
run_iperf() { # name streams
  local out=$RAW/iperf-$1-P$2.json try
  for try in 1 2; do
    if timeout $((DURATION + 20)) iperf3 -c 127.0.0.1 -p "${IPERF[$1]}" -t "$DURATION" -P "$2" -J > "$out" 2>&1; then return 0; fi
    log "iperf3 through $1 failed (try $try); retrying"; sleep 2
  done
}
for streams in 1 8; do
  for n in "${NAMES[@]}"; do
    log "iperf3 $streams stream(s) through $n (${DURATION} s)"
    run_iperf "$n" "$streams" || true
    sleep 1
  done
done

# --- Connection churn ----------------------------------------------------------------------------------------
for n in "${NAMES[@]}"; do
  log "churn through $n (wrk -c32, Connection: close, ${DURATION} s)"
  timeout $((DURATION + 15)) wrk -t2 -c32 -d"${DURATION}s" -H 'Connection: close' "http://127.0.0.1:${HTTP[$n]}/" \
    > "$RAW/churn-$n.txt" 2>&1 || true
  sleep 2
done

# --- Keep-alive rate and latency -------------------------------------------------------------------------------
for n in "${NAMES[@]}"; do
  log "keep-alive through $n (wrk -c16 --latency, ${DURATION} s)"
  timeout $((DURATION + 15)) wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:${HTTP[$n]}/" \
    > "$RAW/keepalive-$n.txt" 2>&1 || true
  sleep 1
done

# --- Refusal storm (Usher only: the anchors have no per-identity limit) -------------------------------------------
log "refusal storm on :$US_REFUSE (limit 1, one session held and asked every 100 ms; wrk -c32 for ${DURATION} s)"
LOG_BEFORE=$(wc -l < "$RAW/usher.log")
set +e
python3 "$LIB/heldprobe.py" $US_REFUSE 100 $((DURATION + 20)) "$RAW/storm-wrk.txt" -- \
  timeout $((DURATION + 15)) wrk -t2 -c32 -d"${DURATION}s" -H 'Connection: close' "http://127.0.0.1:$US_REFUSE/" \
  > "$RAW/storm-held.txt" 2>&1
set -e
# The folded 9646 line for the storm comes when the identity's interval (10 s) ends: wait for it, at most 15 s.
for _ in $(seq 150); do
  tail -n +$((LOG_BEFORE + 1)) "$RAW/usher.log" | grep -q 'more refused' && break
  sleep 0.1
done
tail -n +$((LOG_BEFORE + 1)) "$RAW/usher.log" > "$RAW/storm-usher-log.txt"

# --- Collect --------------------------------------------------------------------------------------------------
log "collecting"
declare -A RPS P50 P99 CHURN G1 G8 RSS
ERRNOTES=""
for n in "${NAMES[@]}"; do
  read -r RPS[$n] P50[$n] P99[$n] c r w t x _ _ < <(python3 "$LIB/report.py" wrk "$RAW/keepalive-$n.txt")
  [ "$((c + r + w + t + x))" = 0 ] || ERRNOTES+="- keep-alive through $n: socket errors connect $c, read $r, write $w, timeout $t; non-2xx $x"$'\n'
  read -r CHURN[$n] _ _ c r w t x _ _ < <(python3 "$LIB/report.py" wrk "$RAW/churn-$n.txt")
  [ "$((c + r + w + t + x))" = 0 ] || ERRNOTES+="- churn through $n: socket errors connect $c, read $r, write $w, timeout $t; non-2xx $x"$'\n'
  G1[$n]=$(python3 "$LIB/report.py" iperf "$RAW/iperf-$n-P1.json")
  G8[$n]=$(python3 "$LIB/report.py" iperf "$RAW/iperf-$n-P8.json")
  RSS[$n]=$(python3 "$LIB/report.py" idle "$RAW/idle-$n.txt")
done
NGINX_BACKEND_KB=$(python3 "$LIB/report.py" idle "$RAW/idle-nginx-backend.txt")

read -r _ _ _ sc sr sw st _ _ ssecs < <(python3 "$LIB/report.py" wrk "$RAW/storm-wrk.txt")
STORM_WRK_RATE=$(python3 -c "import sys; e=$sr+$sw; s=float('$ssecs'); print(f'{e/s:.0f}' if s==s and s>0 else 'nan')")
HELD=$(tail -1 "$RAW/storm-held.txt")
held_field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<< "$HELD"; }
HELD_TEXT="$(held_field answered)/$(held_field asked) answered, p50 $(held_field p50_ms) ms, max $(held_field max_ms) ms"
[ "$(held_field alive_after)" = 1 ] || HELD_TEXT+=", NOT alive after"
STORM_LINES=$(grep -c '\[9646\]' "$RAW/storm-usher-log.txt" || true)
STORM_FIRST=$(grep '\[9646\]' "$RAW/storm-usher-log.txt" | grep -vc 'more refused' || true)
STORM_FOLDED=$(python3 -c "import re,sys; print(sum(int(m) for m in re.findall(r'; (\d+) more refused', open(sys.argv[1]).read())))" "$RAW/storm-usher-log.txt")
STORM_LOGGED=$((STORM_FIRST + STORM_FOLDED))
STORM_LOG_RATE=$(python3 -c "s=float('$ssecs'); print(f'{$STORM_LOGGED/s:.0f}' if s==s and s>0 else 'nan')")

ROWS=$WORK/rows.tsv
{
  printf 'iperf3, 1 stream (Gb/s)\tup\t%s\t%s\t%s\n' "${G1[usher]}" "${G1[haproxy]}" "${G1[nginx]}"
  printf 'iperf3, 8 streams (Gb/s)\tup\t%s\t%s\t%s\n' "${G8[usher]}" "${G8[haproxy]}" "${G8[nginx]}"
  printf 'churn, wrk -c32 Connection: close (req/s)\tup\t%s\t%s\t%s\n' "${CHURN[usher]}" "${CHURN[haproxy]}" "${CHURN[nginx]}"
  printf 'keep-alive, wrk -c16 (req/s)\tup\t%s\t%s\t%s\n' "${RPS[usher]}" "${RPS[haproxy]}" "${RPS[nginx]}"
  printf 'keep-alive latency p50 (ms)\tdown\t%s\t%s\t%s\n' "${P50[usher]}" "${P50[haproxy]}" "${P50[nginx]}"
  printf 'keep-alive latency p99 (ms)\tdown\t%s\t%s\t%s\n' "${P99[usher]}" "${P99[haproxy]}" "${P99[nginx]}"
  printf 'RSS per idle session at %s (KB)\tdown\t%s\t%s\t%s\n' "$IDLE_SESSIONS" "${RSS[usher]}" "${RSS[haproxy]}" "${RSS[nginx]}"
  printf 'refusals at the limit (conn/s, wrk errors)\tup\t%s\tn/a\tn/a\n' "$STORM_WRK_RATE"
  printf 'refusals at the limit (conn/s, Usher log 9646)\tup\t%s\tn/a\tn/a\n' "$STORM_LOG_RATE"
  printf 'held session during the storm\tnone\t%s\tn/a\tn/a\n' "$HELD_TEXT"
} > "$ROWS"

ELAPSED=$(( $(date +%s) - STARTED_AT ))
META=$WORK/meta.md
{
  echo "# Usher benchmark, $STAMP"
  echo
  echo "| machine | |"
  echo "|---|---|"
  echo "| nproc | $(nproc) |"
  echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') |"
  echo "| kernel | $(uname -r) |"
  echo "| dotnet | $(dotnet --version) |"
  echo "| HAProxy | $(haproxy -v 2>&1 | head -1 | awk '{print $3}') |"
  echo "| nginx | $(nginx -v 2>&1 | sed 's/.*nginx\///') |"
  echo "| wrk / iperf3 | $(wrk -v 2>&1 | head -1 | awk '{print $2}') / $(iperf3 --version 2>&1 | head -1 | awk '{print $2}') |"
  echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
  echo "| commit | $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (modified)') |"
  echo
  echo "Settings: DURATION=${DURATION} s, WARMUP=${WARMUP} s, IDLE_SESSIONS=$IDLE_SESSIONS, QUICK=$QUICK, USHER_ENV='${USHER_ENV}'; Usher --log-level Warning, limits and ledger on; run took ${ELAPSED} s."
  echo "\"better\": which way is better. Ratio = Usher / best anchor (the higher anchor for rates, the lower for RSS and latency): above 1 is better for rates, below 1 is better for RSS and latency."
} > "$META"

echo
python3 "$LIB/report.py" table "$ROWS" "$META" "$MD"
{
  echo
  echo "Notes:"
  echo "- nginx's RSS figure includes its own HTTP backend's side of each session (same worker): measured direct to :$HTTP_BACKEND it is ${NGINX_BACKEND_KB} KB per session, so nginx's stream proxy alone is about $(python3 -c "print(f'{float(\"${RSS[nginx]}\") - float(\"$NGINX_BACKEND_KB\"):.2f}')") KB."
  echo "- Refusal storm: wrk counted $((sr + sw)) refused connections (read/write errors; connect errors $sc, timeouts $st) in ${ssecs} s; Usher's log has $STORM_LINES event-9646 line(s) for the storm, accounting for $STORM_LOGGED refusals (first refusal + folded count)."
  [ -z "$ERRNOTES" ] || printf '%s' "$ERRNOTES"
  echo "- Raw output: bench/results/raw/$STAMP/ (not committed)."
} | tee -a "$MD"
echo
echo "Written to $MD (run took ${ELAPSED} s)"
