#!/usr/bin/env bash
# Usher beside HAProxy and nginx (stream) on loopback, in one run: iperf3 throughput, RSS per idle session, a series
# of RUNS rounds of connection churn and keep-alive (rate, p50/p99 and each proxy's own CPU time per connection and
# per request), Usher at Workers 1 and at its default worker count, pgbench -S and -S -C through each proxy to a
# PostgreSQL started here, the cost of the dashboard's event stream, and a refusal storm. Prints the tables and
# writes them as Markdown to bench/results/<UTC timestamp>.md (raw tool output under bench/results/raw/<timestamp>/).
#
#   bench/run.sh                 full run (DURATION=10 s per measurement, RUNS=5 rounds), about 13 minutes
#   QUICK=1 bench/run.sh         smoke run (3 s per measurement, 2 rounds, 3 s warm-ups), about 4 minutes
#
# Settings (environment): DURATION (seconds, "10" or "10s"), WARMUP (seconds), RUNS (rounds of the series),
# IDLE_SESSIONS (5000), IDLE_HOLD (2), NO_BUILD=1 (use the existing Release build), USHER_ENV ("NAME=value ..."
# passed to the usher processes only, for experiments; recorded in the results), USHER_BENCH_SHARED (folder holding
# anchors.sh and idleconns.py). Needs root (PostgreSQL runs as the postgres user).
# Targets only 127.0.0.1; every load is bounded by its duration and by `timeout`; everything started is stopped on
# any exit (usher processes, the event-stream reader, PostgreSQL and the pgbench anchors killed, anchors down).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/common.sh"
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  DURATION=${DURATION:-3}; WARMUP=${WARMUP:-3}; RUNS=${RUNS:-2}
else
  DURATION=${DURATION:-10}; WARMUP=${WARMUP:-5}; RUNS=${RUNS:-5}
fi
DURATION=${DURATION%s}; WARMUP=${WARMUP%s}
IDLE_SESSIONS=${IDLE_SESSIONS:-5000}
IDLE_HOLD=${IDLE_HOLD:-2}
USHER_ENV=${USHER_ENV:-}
CLK_TCK=$(getconf CLK_TCK)

# Ports: anchors as anchors.sh sets them; Usher beside them; the pgbench set (PostgreSQL and a proxy of each kind).
HTTP_BACKEND=18080 IPERF_BACKEND=15201
HA_HTTP=19001 HA_IPERF=19201 NG_HTTP=19002 NG_IPERF=19202
US_HTTP=19003 US_IPERF=19203 US_REFUSE=19004 US_ADMIN=19646
USD_HTTP=19013 USD_ADMIN=19647
PG=19100 HA_PG=19101 NG_PG=19102 US_PG=19105

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
export PYTHONDONTWRITEBYTECODE=1 # series.py imports report.py: no bytecode cache left in the tree

[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (PostgreSQL for the pgbench figures runs as the postgres user)" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/pgbench" ] || { echo "run.sh: PostgreSQL's server and pgbench are missing (apt-get install postgresql)" >&2; exit 1; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$ROOT/bench/results
RAW=$RESULTS/raw/$STAMP
MD=$RESULTS/$STAMP.md
mkdir -p "$RAW"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/usher-bench.XXXXXX")
PGWORK=$(mktemp -d "${TMPDIR:-/tmp}/usher-bench-pg.XXXXXX")
# Our own pid files, so `down` stops only what this run started.
export ANCHORS_DIR=$WORK/anchors
declare -A PIDS=()
ANCHORS_STARTED=0
STARTED_AT=$(date +%s)
MEASURES=$RAW/measures.tsv
: > "$MEASURES"

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  local k
  for k in "${!PIDS[@]}"; do stop_pid "${PIDS[$k]}"; done
  [ -f "$WORK/pg-anchors/haproxy.pid" ] && kill "$(cat "$WORK/pg-anchors/haproxy.pid")" 2>/dev/null
  [ -f "$WORK/pg-anchors/nginx.pid" ] && kill "$(cat "$WORK/pg-anchors/nginx.pid")" 2>/dev/null
  [ -f "$PGWORK/data/postmaster.pid" ] \
    && su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGWORK/data -m immediate stop" >/dev/null 2>&1
  if [ "$ANCHORS_STARTED" = 1 ]; then "$ANCHORS" down >/dev/null 2>&1; fi
  rm -rf "$WORK" "$PGWORK"
  if [ "$rc" != 0 ]; then echo "run.sh: failed (exit $rc); raw output in $RAW" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in $HTTP_BACKEND $IPERF_BACKEND $HA_HTTP $HA_IPERF $NG_HTTP $NG_IPERF $US_HTTP $US_IPERF $US_REFUSE $US_ADMIN \
         $USD_HTTP $USD_ADMIN $PG $HA_PG $NG_PG $US_PG; do
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

# --- PostgreSQL and the pgbench anchors (HAProxy 1 thread, nginx stream 1 worker, processes of their own) ---------
log "starting PostgreSQL on :$PG and its HAProxy (:$HA_PG) and nginx (:$NG_PG)"
chown postgres:postgres "$PGWORK"
su postgres -s /bin/sh -c "$PGBIN/initdb -D $PGWORK/data -U postgres --auth=trust -E UTF8 --locale=C --no-sync" > "$RAW/pg-init.log" 2>&1
su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGWORK/data -l $PGWORK/pg.log -w -o '-c listen_addresses=127.0.0.1 -p $PG -k $PGWORK -c fsync=off -c max_connections=100' start" >> "$RAW/pg-init.log" 2>&1
"$PGBIN/psql" -X -w -q -h 127.0.0.1 -p $PG -U postgres -d postgres -c "create database bench" >> "$RAW/pg-init.log" 2>&1
"$PGBIN/pgbench" -i -s 1 -q -h 127.0.0.1 -p $PG -U postgres bench >> "$RAW/pg-init.log" 2>&1
bash "$LIB/pganchors.sh" "$WORK/pg-anchors" $PG $HA_PG $NG_PG >> "$RAW/anchors.log" 2>&1
wait_port $HA_PG; wait_port $NG_PG

# --- Anchors and the two usher processes --------------------------------------------------------------------------
log "starting anchors (HAProxy, nginx, backends)"
ANCHORS_STARTED=1
"$ANCHORS" up >> "$RAW/anchors.log" 2>&1
for p in $HA_HTTP $NG_HTTP $HTTP_BACKEND $IPERF_BACKEND; do wait_port "$p"; done

# usher: Workers 1 like the anchors, every listener; usherd: the default worker count (one per processor), HTTP only.
# Both with the admin endpoint up, keepalive 300 s / 30 s / 3 like the anchors, limits and ledger on.
KEEPALIVE='"Keepalive": { "Idle": "00:05:00", "Interval": "00:00:30", "Count": 3 }'
cat > "$WORK/usher.json" <<JSON
{
  "Usher": {
    "ShutdownGrace": "00:00:01",
    "Workers": 1,
    "Admin": { "Listen": "127.0.0.1:$US_ADMIN" },
    "Defaults": { $KEEPALIVE },
    "Listeners": [
      { "Name": "http", "Listen": "127.0.0.1:$US_HTTP", "Backend": "127.0.0.1:$HTTP_BACKEND", "MaxSessionsPerIdentity": 100000 },
      { "Name": "iperf", "Listen": "127.0.0.1:$US_IPERF", "Backend": "127.0.0.1:$IPERF_BACKEND" },
      { "Name": "refuse", "Listen": "127.0.0.1:$US_REFUSE", "Backend": "127.0.0.1:$HTTP_BACKEND", "MaxSessionsPerIdentity": 1 },
      { "Name": "pg", "Listen": "127.0.0.1:$US_PG", "Backend": "127.0.0.1:$PG", "Identity": "PostgresUser", "MaxSessionsPerIdentity": 1000 }
    ]
  }
}
JSON
cat > "$WORK/usherd.json" <<JSON
{
  "Usher": {
    "ShutdownGrace": "00:00:01",
    "Admin": { "Listen": "127.0.0.1:$USD_ADMIN" },
    "Defaults": { $KEEPALIVE },
    "Listeners": [
      { "Name": "http", "Listen": "127.0.0.1:$USD_HTTP", "Backend": "127.0.0.1:$HTTP_BACKEND", "MaxSessionsPerIdentity": 100000 }
    ]
  }
}
JSON
cp "$WORK/usher.json" "$WORK/usherd.json" "$RAW/"
start_usher() { # key config
  log "starting $1 ($2)"
  # shellcheck disable=SC2086 # USHER_ENV is a list of NAME=value words
  env $USHER_ENV "$USHER_BIN" run --config "$WORK/$2" --log-level Warning > "$RAW/$1.log" 2>&1 &
  PIDS[$1]=$!
}
start_usher usher usher.json
start_usher usherd usherd.json
for p in $US_HTTP $US_IPERF $US_REFUSE $US_PG $US_ADMIN $USD_HTTP $USD_ADMIN; do wait_port "$p"; done

NAMES=(usher haproxy nginx)
SERIES=(usher usherd haproxy nginx)
declare -A HTTP=([usher]=$US_HTTP [usherd]=$USD_HTTP [haproxy]=$HA_HTTP [nginx]=$NG_HTTP)
declare -A IPERF=([usher]=$US_IPERF [haproxy]=$HA_IPERF [nginx]=$NG_IPERF)
declare -A PGPORT=([usher]=$US_PG [haproxy]=$HA_PG [nginx]=$NG_PG)
pid_of() {
  case $1 in
    usher|usherd) echo "${PIDS[$1]}" ;;
    haproxy) cat "$ANCHORS_DIR/haproxy.pid" ;;
    nginx) pgrep -P "$(cat "$ANCHORS_DIR/nginx.pid")" | head -1 ;;
  esac
}
pg_pid_of() {
  case $1 in
    usher) echo "${PIDS[usher]}" ;;
    haproxy) cat "$WORK/pg-anchors/haproxy.pid" ;;
    nginx) pgrep -P "$(cat "$WORK/pg-anchors/nginx.pid")" | head -1 ;;
  esac
}


# measure FIGURE RUN NAME PID OUTFILE CMD...: runs CMD (its output to OUTFILE) and records the CPU time PID spent
# meanwhile as a row of measures.tsv: figure, run, proxy, output file, ticks, wall seconds.
measure() {
  local figure=$1 run=$2 name=$3 pid=$4 out=$5 t0 t1 w0 w1
  shift 5
  t0=$(cpu_ticks "$pid"); w0=${EPOCHREALTIME/./}
  "$@" > "$out" 2>&1 || true
  t1=$(cpu_ticks "$pid"); w1=${EPOCHREALTIME/./}
  printf '%s\t%s\t%s\t%s\t%s\t%d.%06d\n' "$figure" "$run" "$name" "$(basename "$out")" "$((t1 - t0))" \
    $(((w1 - w0) / 1000000)) $(((w1 - w0) % 1000000)) >> "$MEASURES"
}
churn() { timeout $((DURATION + 15)) wrk -t2 -c32 -d"${DURATION}s" -H 'Connection: close' "http://127.0.0.1:$1/"; }
keepalive() { timeout $((DURATION + 15)) wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$1/"; }

# --- Warm-up: every path a figure measures, on each proxy, before any figure ---------------------------------------
# Usher's runtime compiles its hot paths again, optimized, over its first seconds of load (tiered compilation, with
# profile-guided optimization): a path first taken during a measurement would count that work in Usher's CPU time,
# which the anchors, compiled ahead of time, never pay. So each proxy gets the same warm-up of each kind of load the
# figures use: keep-alive requests, a connection per request, and pgbench with and without -C.
for n in "${SERIES[@]}"; do
  log "warm-up $n: keep-alive, then a connection per request (${WARMUP} s each)"
  timeout $((WARMUP + 15)) wrk -t2 -c16 -d"${WARMUP}s" "http://127.0.0.1:${HTTP[$n]}/" > "$RAW/warmup-$n.txt" 2>&1
  timeout $((WARMUP + 15)) wrk -t2 -c32 -d"${WARMUP}s" -H 'Connection: close' "http://127.0.0.1:${HTTP[$n]}/" \
    > "$RAW/warmup-churn-$n.txt" 2>&1
done
for n in "${NAMES[@]}"; do
  log "warm-up pgbench -S, then -S -C, through $n (${WARMUP} s each)"
  for c in "" "-C"; do
    # shellcheck disable=SC2086 # $c is empty or one flag
    timeout $((WARMUP + 60)) "$PGBIN/pgbench" -n -S -c 8 -j 2 -T "$WARMUP" $c -h 127.0.0.1 -p "${PGPORT[$n]}" -U postgres bench \
      >> "$RAW/warmup-pg-$n.txt" 2>&1
  done
done

# --- RSS per idle session (first, while the processes have held few sessions) ------------------------------------
# idleconns.py walks /proc for the proxy's children; a process of someone else's that ends meanwhile fails that
# walk, so a failed measurement is taken again (at most three times; then the figure is nan).
idle_rss() { # name
  local try
  for try in 1 2 3; do
    timeout 300 python3 "$IDLECONNS" "${HTTP[$1]}" "$IDLE_SESSIONS" "$(pid_of "$1")" "$IDLE_HOLD" > "$RAW/idle-$1.txt" 2>&1 \
      && return 0
    log "RSS through $1 failed (try $try): $(tail -1 "$RAW/idle-$1.txt")"; sleep 2
  done
}
for n in "${NAMES[@]}"; do
  log "RSS: $IDLE_SESSIONS idle sessions through $n"
  idle_rss "$n"
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
    sleep 0.5
  done
done

# --- The series: RUNS rounds of churn and keep-alive, each proxy in turn (the order rotates every round) ----------
for run in $(seq "$RUNS"); do
  order=("${SERIES[@]:$(((run - 1) % ${#SERIES[@]}))}" "${SERIES[@]:0:$(((run - 1) % ${#SERIES[@]}))}")
  for n in "${order[@]}"; do
    log "round $run/$RUNS: churn through $n (wrk -c32, Connection: close, ${DURATION} s)"
    measure churn "$run" "$n" "$(pid_of "$n")" "$RAW/churn-$n-$run.txt" churn "${HTTP[$n]}"
    sleep 0.5
    log "round $run/$RUNS: keep-alive through $n (wrk -c16 --latency, ${DURATION} s)"
    measure keepalive "$run" "$n" "$(pid_of "$n")" "$RAW/keepalive-$n-$run.txt" keepalive "${HTTP[$n]}"
    sleep 0.5
  done
done

# --- The dashboard's event stream: a churn and a keep-alive run through usher (Workers 1) without it, then with it ----
log "event stream closed, then open (curl -N /api/events): churn and keep-alive through usher (${DURATION} s each)"
measure churn-nostream 1 usher "${PIDS[usher]}" "$RAW/churn-nostream-usher.txt" churn $US_HTTP
sleep 0.5
measure keepalive-nostream 1 usher "${PIDS[usher]}" "$RAW/keepalive-nostream-usher.txt" keepalive $US_HTTP
sleep 0.5
timeout $((4 * DURATION + 60)) curl -sN "http://127.0.0.1:$US_ADMIN/api/events" > "$RAW/events-stream.txt" 2>&1 &
PIDS[curl]=$!
for _ in $(seq 100); do grep -q '^event: snapshot' "$RAW/events-stream.txt" && break; sleep 0.1; done
grep -q '^event: snapshot' "$RAW/events-stream.txt" || { echo "run.sh: the event stream sent no snapshot in 10 s" >&2; exit 1; }
measure churn-events 1 usher "${PIDS[usher]}" "$RAW/churn-events-usher.txt" churn $US_HTTP
sleep 1
measure keepalive-events 1 usher "${PIDS[usher]}" "$RAW/keepalive-events-usher.txt" keepalive $US_HTTP
stop_pid "${PIDS[curl]}"; unset 'PIDS[curl]'
# What the reader got, counted; then only the stream's first 64 KB are kept (a churn run sends megabytes).
for kind in snapshot status event; do
  printf '%s\t%s\n' "$kind" "$(grep -c "^event: $kind\$" "$RAW/events-stream.txt" || true)"
done > "$RAW/events-stream-counts.tsv"
printf 'bytes\t%s\n' "$(stat -c %s "$RAW/events-stream.txt")" >> "$RAW/events-stream-counts.tsv"
truncate -s '<64K' "$RAW/events-stream.txt"

# --- pgbench -S through each proxy: 8 clients on 8 connections, then a connection per transaction (-C) -------------
# The second usher process stays idle meanwhile: its CPU time over these runs is Usher's background cost.
IDLE_T0=$(cpu_ticks "${PIDS[usherd]}"); IDLE_W0=${EPOCHREALTIME/./}
for mode in S SC; do
  for n in "${NAMES[@]}"; do
    flags=(-n -S -c 8 -j 2 -T "$DURATION"); [ "$mode" = SC ] && flags+=(-C)
    log "pgbench ${flags[*]} through $n"
    measure "pg$mode" 1 "$n" "$(pg_pid_of "$n")" "$RAW/pgbench-$mode-$n.txt" \
      timeout $((DURATION + 60)) "$PGBIN/pgbench" "${flags[@]}" -h 127.0.0.1 -p "${PGPORT[$n]}" -U postgres bench
    sleep 0.5
  done
done
IDLE_W=$((${EPOCHREALTIME/./} - IDLE_W0))
printf 'idle\t1\tusherd\t-\t%s\t%d.%06d\n' "$(($(cpu_ticks "${PIDS[usherd]}") - IDLE_T0))" $((IDLE_W / 1000000)) \
  $((IDLE_W % 1000000)) >> "$MEASURES"

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
declare -A G1 G8 RSS
for n in "${NAMES[@]}"; do
  G1[$n]=$(python3 "$LIB/report.py" iperf "$RAW/iperf-$n-P1.json")
  G8[$n]=$(python3 "$LIB/report.py" iperf "$RAW/iperf-$n-P8.json")
  RSS[$n]=$(python3 "$LIB/report.py" idle "$RAW/idle-$n.txt")
done

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
  python3 "$LIB/series.py" rows "$MEASURES" "$RAW" "$CLK_TCK"
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
  echo "| PostgreSQL / pgbench | $("$PGBIN/pgbench" --version | sed 's/^pgbench (PostgreSQL) //') |"
  echo "| wrk / iperf3 | $(wrk -v 2>&1 | head -1 | awk '{print $2}') / $(iperf3 --version 2>&1 | head -1 | awk '{print $2}') |"
  echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
  echo "| commit | $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)') |"
  echo
  echo "Settings: DURATION=${DURATION} s, WARMUP=${WARMUP} s, RUNS=$RUNS, IDLE_SESSIONS=$IDLE_SESSIONS, QUICK=$QUICK, USHER_ENV='${USHER_ENV}'; Usher --log-level Warning, limits and ledger on, admin endpoint up; run took ${ELAPSED} s."
  echo "CPU figures: utime + stime of the proxy's process (Usher: the whole usher process, every thread; HAProxy: its one process; nginx: its stream worker) over each load, from /proc/PID/stat (CLK_TCK $CLK_TCK), divided by the requests, connections or transactions of that load."
  echo "\"better\": which way is better. Ratio = Usher / best anchor (the higher anchor for rates, the lower for RSS, CPU and latency): above 1 is better for rates, below 1 is better for RSS, CPU and latency."
  echo
  echo "## Summary (Usher with Workers 1; churn, keep-alive and CPU: medians of the $RUNS rounds)"
} > "$META"

echo
python3 "$LIB/report.py" table "$ROWS" "$META" "$MD"
python3 "$LIB/series.py" tables "$MEASURES" "$RAW" "$CLK_TCK" "$(nproc)" | tee -a "$MD"
{
  echo
  echo "Notes:"
  echo "- Refusal storm: wrk counted $((sr + sw)) refused connections (read/write errors; connect errors $sc, timeouts $st) in ${ssecs} s; Usher's log has $STORM_LINES event-9646 line(s) for the storm, accounting for $STORM_LOGGED refusals (first refusal + folded count)."
  python3 "$LIB/series.py" errors "$MEASURES" "$RAW" "$CLK_TCK"
  echo "- Raw output: bench/results/raw/$STAMP/."
} | tee -a "$MD"
echo
echo "Written to $MD (run took ${ELAPSED} s)"
