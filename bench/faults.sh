#!/usr/bin/env bash
# The long versions of the fault and attack tests (tests/Usher.Gateway.Tests/Faults, Hostile), against the usher
# process itself, measured from outside: its resident memory sampled every 100 ms, the kernel's TCP memory, what the
# clients and backends see, and the events in its JSON log. Loopback only; every load is bounded in count and time.
#
#   bench/faults.sh            SESSIONS=20 OFFER_MB=200 OFFER_SECONDS=10 RESETS=500 SLOWLORIS=5000 HANDSHAKE_S=2
#   QUICK=1 bench/faults.sh    SESSIONS=4  RESETS=100 SLOWLORIS=1000
#
# Scenarios (bench/lib/faults.py):
#   stalled-backend  SESSIONS clients each offer OFFER_MB to a backend that does not read (at most OFFER_SECONDS);
#                    then the backend reads everything and the clients close (9642 ClientClosed each)
#   stalled-client   the backend offers OFFER_MB per session to clients that do not read; then they read, the backend
#                    closes (9642 BackendClosed each)
#   reset-storm      RESETS open sessions, the backend resets every connection (SO_LINGER 0)
#   slowloris        SLOWLORIS connections send one byte a second to a listener reading an HTTP header identity
#                    (HandshakeTimeout HANDSHAKE_S) while a real client sends a request every 100 ms
#   silent flood     (bench/lib/flood.py) usher under `prlimit --nofile=256` and `--nofile=4096`, started afresh for
#                    each of FLOOD_RUNS runs (20; QUICK: 3): 150 (256) or 5,000 (4096) connections that never send a byte
#                    from one address while a client from another sends 200 requests and the admin endpoint is asked
# Writes bench/results/<UTC>-faults.md; the usher log stays in bench/results/raw/<UTC>-faults/ (ignored by git).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${QUICK:-0}" = 1 ]; then
  SESSIONS=${SESSIONS:-4} RESETS=${RESETS:-100} SLOWLORIS=${SLOWLORIS:-1000} FLOOD_RUNS=${FLOOD_RUNS:-3}
else
  SESSIONS=${SESSIONS:-20} RESETS=${RESETS:-500} SLOWLORIS=${SLOWLORIS:-5000} FLOOD_RUNS=${FLOOD_RUNS:-20}
fi
OFFER_MB=${OFFER_MB:-200} OFFER_SECONDS=${OFFER_SECONDS:-10} HANDSHAKE_S=${HANDSHAKE_S:-2}
STALL_PORT=29201 STALL_BACKEND=29301 HTTP_PORT=29202 HTTP_BACKEND=29302 FLOOD_PORT=29203 FLOOD_ADMIN=29204
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$ROOT/bench/results/raw/$STAMP-faults"
mkdir -p "$WORK"
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT
ulimit -n 20000
for port in $STALL_PORT $STALL_BACKEND $HTTP_PORT $HTTP_BACKEND $FLOOD_PORT $FLOOD_ADMIN; do
  if ss -Hltn "sport = :$port" | grep -q .; then echo "faults.sh: port $port is taken" >&2; exit 1; fi
done

# An HTTP backend answering every request of a keep-alive session.
cat > "$WORK/http_backend.py" <<'PY'
import asyncio, signal, sys
signal.alarm(1800)
async def serve(r, w):
    try:
        while True:
            await r.readuntil(b"\r\n\r\n")
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"); await w.drain()
    except Exception:
        w.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    async with server: await server.serve_forever()
asyncio.run(main())
PY
python3 "$WORK/http_backend.py" $HTTP_BACKEND & PIDS+=($!)

dotnet build -c Release "$ROOT/src/Usher" -nologo -v q -clp:ErrorsOnly >/dev/null
cat > "$WORK/usher.json" <<JSON
{ "Usher": { "Listeners": [
  { "Name": "stall", "Listen": "127.0.0.1:$STALL_PORT", "Backend": "127.0.0.1:$STALL_BACKEND", "MaxSessionsPerIdentity": 10000 },
  { "Name": "http", "Listen": "127.0.0.1:$HTTP_PORT", "Backend": "127.0.0.1:$HTTP_BACKEND",
    "Identity": "HttpHeader:X-User", "HandshakeTimeout": "00:00:0$HANDSHAKE_S", "MaxHandshakesPerSource": 100000 } ] } }
JSON
"$ROOT/src/Usher/bin/Release/net10.0/usher" run --config "$WORK/usher.json" --log-format json --log-level Information > "$WORK/usher.log" 2>&1 &
USHER=$!
PIDS+=($USHER)
for _ in $(seq 100); do ss -Hltn "sport = :$HTTP_PORT" | grep -q . && break; sleep 0.1; done

summaries=()
run() {
  echo "== $1" >&2
  local out
  out=$(timeout 300 python3 "$ROOT/bench/lib/faults.py" "$1" "$USHER" "$WORK/usher.log" "${@:2}" 2>&1) || { echo "$out" >&2; summaries+=("$1 failed: $(echo "$out" | tail -1)"); return; }
  echo "$out" | tee -a "$WORK/details.txt" >&2
  summaries+=("$(echo "$out" | sed -n 's/^summary: //p')")
}
run stalled-backend $STALL_PORT $STALL_BACKEND "$SESSIONS" "$OFFER_MB" "$OFFER_SECONDS"
run stalled-client $STALL_PORT $STALL_BACKEND "$SESSIONS" "$OFFER_MB" "$OFFER_SECONDS"
run reset-storm $STALL_PORT $STALL_BACKEND "$RESETS"
run slowloris $HTTP_PORT "$SLOWLORIS" "$HANDSHAKE_S"
flood() {
  echo "== silent flood, limit $1" >&2
  local out
  out=$(timeout 1200 python3 "$ROOT/bench/lib/flood.py" "$ROOT/src/Usher/bin/Release/net10.0/usher" "$1" "$2" "$FLOOD_RUNS" \
    $HTTP_BACKEND $FLOOD_PORT $FLOOD_ADMIN "$WORK" 2>&1) || true
  echo "$out" | tee -a "$WORK/details.txt" >&2
  summaries+=("$(echo "$out" | sed -n 's/^summary: //p')")
}
flood 256 150
flood 4096 5000
alive=$(kill -0 "$USHER" 2>/dev/null && echo yes || echo no)
rss=$(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$USHER/status 2>/dev/null || echo "n/a")
hwm=$(awk '/VmHWM/{print $2/1024 " MB"}' /proc/$USHER/status 2>/dev/null || echo "n/a")
errors=$(grep -c '"LogLevel":"Error"' "$WORK/usher.log" || true)
failed=$(grep -c '"EventId":9645' "$WORK/usher.log" || true)

{
  echo "# Faults and attacks, $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(uname -r), .NET SDK $(dotnet --version), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo "usher (Release) in its own process, JSON log at Information; loads from bench/lib/faults.py on loopback."
  echo "Settings: SESSIONS=$SESSIONS OFFER_MB=$OFFER_MB OFFER_SECONDS=$OFFER_SECONDS RESETS=$RESETS SLOWLORIS=$SLOWLORIS HANDSHAKE_S=$HANDSHAKE_S FLOOD_RUNS=$FLOOD_RUNS (slowloris from one address: MaxHandshakesPerSource 100000 on its listener)."
  echo
  for s in "${summaries[@]}"; do echo "- $s"; done
  echo
  echo "After all scenarios: usher alive: $alive, RSS $rss, peak RSS (VmHWM) $hwm; $errors Error-level records (9652 is one), $failed × 9645 SessionFailed."
  echo
  echo '```'
  cat "$WORK/details.txt"
  echo '```'
} > "$ROOT/bench/results/$STAMP-faults.md"
cat "$ROOT/bench/results/$STAMP-faults.md"
