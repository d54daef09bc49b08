#!/usr/bin/env bash
# Reclaim on pressure, measured: TRIALS (default 100) times, a user holding its whole quota from a network namespace
# vanishes (iptables DROP: no FIN, no RST) and reconnects from the host; prints p50/p99/max of the time from the new
# connection to its admission, with the OS-default keepalive (2 h) left on the listener so only the reclaim can help.
# Target: p99 <= ProbeInterval x ProbeCount + 0.5 s. Writes bench/results/<UTC>-reclaim.md. Needs root.
#   bench/reclaim.sh            TRIALS=100 PROBE_INTERVAL=1 PROBE_COUNT=2 LIMIT=2
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRIALS=${TRIALS:-100} PROBE_INTERVAL=${PROBE_INTERVAL:-1} PROBE_COUNT=${PROBE_COUNT:-2} LIMIT=${LIMIT:-2}
NS=usher-bench-rc-$$ HOST_IF=ubr$$h NS_IF=ubr$$c HOST_IP=10.252.7.1 NS_IP=10.252.7.2 PORT=29100 BACKEND_PORT=29101
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/usher-reclaim.XXXXXX")
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$NS" 2>/dev/null; ip link del "$HOST_IF" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v iptables >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables >/dev/null; }

ip netns add "$NS"
ip link add "$HOST_IF" type veth peer name "$NS_IF"
ip link set "$NS_IF" netns "$NS"
ip addr add "$HOST_IP/30" dev "$HOST_IF"; ip link set "$HOST_IF" up
ip -n "$NS" addr add "$NS_IP/30" dev "$NS_IF"; ip -n "$NS" link set "$NS_IF" up; ip -n "$NS" link set lo up

# A keep-alive HTTP backend on loopback that answers every request.
cat > "$WORK/backend.py" <<'PY'
import asyncio, sys
async def serve(r, w):
    try:
        while True:
            head = await r.readuntil(b"\r\n\r\n")
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"); await w.drain()
    except Exception:
        w.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]))
    async with server: await server.serve_forever()
asyncio.run(main())
PY
python3 "$WORK/backend.py" $BACKEND_PORT & PIDS+=($!)

dotnet build -c Release "$ROOT/src/Usher" -nologo -v q -clp:ErrorsOnly >/dev/null
cat > "$WORK/usher.json" <<JSON
{ "Usher": { "Listeners": [ {
  "Name": "reclaim", "Listen": "$HOST_IP:$PORT", "Backend": "127.0.0.1:$BACKEND_PORT",
  "Identity": "HttpHeader:X-User", "MaxSessionsPerIdentity": $LIMIT,
  "OnLimit": "ReclaimDead", "ReclaimWait": "00:00:05", "ProbeMinIdle": "00:00:01",
  "ProbeInterval": "00:00:0$PROBE_INTERVAL", "ProbeCount": $PROBE_COUNT,
  "Keepalive": { "Idle": "02:00:00", "Interval": "00:01:15", "Count": 9 }, "UserTimeout": "00:00:00" } ] } }
JSON
"$ROOT/src/Usher/bin/Release/net10.0/usher" run --config "$WORK/usher.json" --log-level Warning > "$WORK/usher.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do ss -Hltn "sport = :$PORT" | grep -q . && break; sleep 0.1; done

timeout $((TRIALS * 20 + 60)) python3 "$ROOT/bench/lib/reclaim.py" "$NS" "$HOST_IP" $PORT $LIMIT $TRIALS 1.2 | tee "$WORK/trials.txt"
summary=$(tail -1 "$WORK/trials.txt")
mkdir -p "$ROOT/bench/results"
{
  echo "# Reclaim trials, $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(uname -r), $(dotnet --version). Listener: HttpHeader:X-User, limit $LIMIT, ReclaimDead,"
  echo "ProbeInterval ${PROBE_INTERVAL}s x ProbeCount $PROBE_COUNT, OS-default keepalive (7200 s / 75 s / 9) on the listener."
  echo "Target: p99 <= $((PROBE_INTERVAL * PROBE_COUNT)) s + 0.5 s."
  echo
  echo '```'
  echo "$summary"
  echo '```'
} > "$ROOT/bench/results/$STAMP-reclaim.md"
echo "$summary"
