#!/usr/bin/env bash
# The Redis ledger on loopback, in one run: admissions per second per node and the admission latency (p50, p99)
# against a local redis-server, with 1, 8, 16, 32 and 128 concurrent callers (bench/Usher.Benchmarks `redis-admit`,
# which admits and releases through RedisSessionLedger directly, after WARMUP seconds of the same load so that the
# runtime's tiered compilation has settled: the figures of a node that has run a while); then connection churn through one usher node (wrk -c32,
# Connection: close, in front of an nginx answering "ok") with the in-memory ledger and with the Redis ledger, each
# with the usher process's CPU time per connection. Prints one table and writes it as Markdown to
# bench/results/<UTC timestamp>-redis.md (raw output under bench/results/raw/<timestamp>-redis/, not committed).
#
#   bench/redis.sh               DURATION=10 s per measurement, about 2 minutes
#   QUICK=1 bench/redis.sh       3 s per measurement
#
# Settings (environment): DURATION (seconds), WARMUP (seconds before each measurement, 5), CALLERS ("1 8 16 32 128"),
# NO_BUILD=1 (use the existing Release build).
# As root (wrk's connections need the open-file limit raised). Targets only 127.0.0.1; every load is bounded by its
# duration and by `timeout`; everything it starts (redis-server, nginx, usher) is stopped on any exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/common.sh"
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then DURATION=${DURATION:-3}; else DURATION=${DURATION:-10}; fi
DURATION=${DURATION%s}
CALLERS=${CALLERS:-1 8 16 32 128}
WARMUP=${WARMUP:-5}
WARMUP=${WARMUP%s}
LIB=$ROOT/bench/lib

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$ROOT/bench/results
RAW=$RESULTS/raw/$STAMP-redis
MD=$RESULTS/$STAMP-redis.md
mkdir -p "$RAW"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/usher-bench-redis.XXXXXX")
REDIS_PID="" NGINX_PID="" USHER_PID=""
STARTED_AT=$(date +%s)

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  stop_pid "$USHER_PID"; stop_pid "$NGINX_PID"; stop_pid "$REDIS_PID"
  rm -rf "$WORK"
  if [ "$rc" != 0 ]; then echo "redis.sh: failed (exit $rc); raw output in $RAW" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


for tool in redis-server nginx wrk; do
  command -v "$tool" >/dev/null || { echo "redis.sh: $tool is not installed (apt-get install redis-server nginx wrk)" >&2; exit 1; }
done
ulimit -Sn "$(ulimit -Hn)"

# --- Build -----------------------------------------------------------------------------------------------------
if [ "${NO_BUILD:-0}" != 1 ]; then
  log "building Usher and the benchmark driver (Release)"
  { dotnet build -c Release "$ROOT/src/Usher" -nologo -v q -clp:ErrorsOnly \
    && dotnet build -c Release "$ROOT/bench/Usher.Benchmarks" -nologo -v q -clp:ErrorsOnly; } > "$RAW/build.log" 2>&1 \
    || { cat "$RAW/build.log" >&2; exit 1; }
fi
USHER_BIN=$ROOT/src/Usher/bin/Release/net10.0/usher
DRIVER=$ROOT/bench/Usher.Benchmarks/bin/Release/net10.0/Usher.Benchmarks
for f in "$USHER_BIN" "$DRIVER"; do [ -x "$f" ] || { echo "redis.sh: $f is missing (build failed?)" >&2; exit 1; }; done

# --- Redis and the HTTP backend ---------------------------------------------------------------------------------
REDIS_PORT=$(free_port)
log "starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" --daemonize no \
  --protected-mode no --loglevel warning > "$RAW/redis.log" 2>&1 &
REDIS_PID=$!
wait_port "$REDIS_PORT"

HTTP_PORT=$(free_port)
cat > "$WORK/nginx.conf" <<NG
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err warn;
events { worker_connections 19000; }
worker_rlimit_nofile 20000;
http { access_log off; server { listen 127.0.0.1:$HTTP_PORT backlog=65535; location / { return 200 "ok\n"; } } }
NG
log "starting nginx on 127.0.0.1:$HTTP_PORT (answers ok)"
nginx -c "$WORK/nginx.conf" > "$RAW/nginx.log" 2>&1 &
NGINX_PID=$!
wait_port "$HTTP_PORT"

# --- Admissions per second and latency, one node, the ledger called directly ------------------------------------
declare -A ADMIT
for c in $CALLERS; do
  log "admissions: $c concurrent caller(s), warm-up ${WARMUP} s, then ${DURATION} s"
  timeout $((DURATION + WARMUP + 60)) "$DRIVER" redis-admit "127.0.0.1:$REDIS_PORT" "$c" "$DURATION" "$WARMUP" \
    > "$RAW/admit-$c.txt" 2> "$RAW/admit-$c.err"
  ADMIT[$c]=$(tail -1 "$RAW/admit-$c.txt")
done
field() { sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" <<< "$1"; }

# --- Connection churn through one node, in-memory ledger beside the Redis ledger -----------------------------------
US_PORT=$(free_port)
usher_config() { # ledger JSON (empty: in memory)
  cat <<JSON
{ "Usher": {
    "ShutdownGrace": "00:00:01",
    "Workers": 1,
    $1
    "Defaults": { "Keepalive": { "Idle": "00:05:00", "Interval": "00:00:30", "Count": 3 } },
    "Listeners": [ { "Name": "http", "Listen": "127.0.0.1:$US_PORT", "Backend": "127.0.0.1:$HTTP_PORT", "MaxSessionsPerIdentity": 100000 } ] } }
JSON
}
declare -A CHURN CPU_US ERRS
churn() { # name ledger-json
  local name=$1
  usher_config "$2" > "$WORK/usher-$name.json"
  cp "$WORK/usher-$name.json" "$RAW/usher-$name.json"
  "$USHER_BIN" run --config "$WORK/usher-$name.json" --no-watch --log-level Warning > "$RAW/usher-$name.log" 2>&1 &
  USHER_PID=$!
  wait_port "$US_PORT"
  log "churn through usher, $name ledger: warm-up ${WARMUP} s, then wrk -c32 Connection: close, ${DURATION} s"
  timeout $((WARMUP + 20)) wrk -t2 -c32 -d"${WARMUP}s" -H 'Connection: close' "http://127.0.0.1:$US_PORT/" > "$RAW/warmup-$name.txt" 2>&1 || true
  local before after
  before=$(cpu_ticks "$USHER_PID")
  timeout $((DURATION + 15)) wrk -t2 -c32 -d"${DURATION}s" -H 'Connection: close' "http://127.0.0.1:$US_PORT/" \
    > "$RAW/churn-$name.txt" 2>&1 || true
  after=$(cpu_ticks "$USHER_PID")
  local rps _p50 _p99 c r w t x total _secs
  read -r rps _p50 _p99 c r w t x total _secs < <(python3 "$LIB/report.py" wrk "$RAW/churn-$name.txt")
  CHURN[$name]=$rps
  ERRS[$name]="connect $c, read $r, write $w, timeout $t, non-2xx $x"
  CPU_US[$name]=$(python3 -c "import os,sys; t=int(sys.argv[2]); print(f'{(int(sys.argv[1]))*1e6/os.sysconf(\"SC_CLK_TCK\")/t:.1f}' if t else 'nan')" \
    "$((after - before))" "$total")
  stop_pid "$USHER_PID"; USHER_PID=""
  sleep 1
}
churn memory ""
churn redis "\"Ledger\": { \"Kind\": \"Redis\", \"Configuration\": \"127.0.0.1:$REDIS_PORT\", \"Node\": \"bench\", \"KeyPrefix\": \"usher-bench-churn\" },"
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b==b and b>0 and a==a else 'nan')" "$1" "$2"; }

# --- Report ------------------------------------------------------------------------------------------------------
ELAPSED=$(( $(date +%s) - STARTED_AT ))
{
  echo "# Redis ledger benchmark, $STAMP"
  echo
  echo "| machine | |"
  echo "|---|---|"
  echo "| nproc | $(nproc) |"
  echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') |"
  echo "| kernel | $(uname -r) |"
  echo "| dotnet | $(dotnet --version) |"
  echo "| redis-server | $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') |"
  echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
  echo "| commit | $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (modified)') |"
  echo
  echo "Settings: DURATION=${DURATION} s, WARMUP=${WARMUP} s before each measurement, QUICK=$QUICK; one redis-server on loopback (no persistence), LeaseTtl 15 s, Timeout 250 ms; run took ${ELAPSED} s."
  echo
  echo "## Admissions, one node, RedisSessionLedger called directly (admit, then release)"
  echo
  echo "Target: at least 20,000 admissions/s per node, p99 under 2 ms. CPU is the driver process's (user + system) per admission."
  echo
  echo "| callers | admissions/s | p50 (ms) | p99 (ms) | max (ms) | refused | CPU per admission (µs) | target |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|"
  MET=""
  for c in $CALLERS; do
    l=${ADMIT[$c]}
    ok=$(python3 -c "import sys; r,p=sys.argv[1],sys.argv[2]; print('met' if r and p and float(r)>=20000 and float(p)<2 else '')" \
      "$(field "$l" per_second)" "$(field "$l" p99_ms)")
    [ -n "$ok" ] && MET="$MET $c"
    echo "| $c | $(field "$l" per_second) | $(field "$l" p50_ms) | $(field "$l" p99_ms) | $(field "$l" max_ms) | $(field "$l" refused) | $(field "$l" cpu_us_per_admission) | $ok |"
  done
  echo
  if [ -n "$MET" ]; then echo "Target met with${MET} caller(s)."; else echo "Target not met in this run."; fi
  echo
  echo "## Connection churn through one node (wrk -t2 -c32, Connection: close, a new session per request)"
  echo
  echo "| ledger | connections/s | usher CPU per connection (µs) | errors |"
  echo "|---|---:|---:|---|"
  echo "| in memory | ${CHURN[memory]} | ${CPU_US[memory]} | ${ERRS[memory]} |"
  echo "| Redis | ${CHURN[redis]} | ${CPU_US[redis]} | ${ERRS[redis]} |"
  echo "| Redis / in memory | $(ratio "${CHURN[redis]}" "${CHURN[memory]}") | $(ratio "${CPU_US[redis]}" "${CPU_US[memory]}") | |"
  echo
  echo "Raw output: bench/results/raw/$STAMP-redis/ (not committed)."
} > "$MD"
cat "$MD"
echo
echo "Written to $MD (run took ${ELAPSED} s)"
