#!/usr/bin/env python3
"""Holds one admitted keep-alive HTTP session on 127.0.0.1:PORT, runs a load command beside it, and keeps asking
on the held session every INTERVAL_MS while the load runs (at most TIMEOUT_S in all).

usage: heldprobe.py PORT INTERVAL_MS TIMEOUT_S OUTFILE -- CMD [ARGS...]
The command's output goes to OUTFILE; one line is printed:
  admitted=1 asked=N answered=N p50_ms=X max_ms=Y alive_after=1
Exit status 0 when the session was admitted and answered every time, 1 otherwise."""
import socket
import statistics
import subprocess
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


def ask(s):
    started = time.perf_counter()
    s.sendall(REQUEST)
    buf = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("the held session was closed")
        buf += chunk
        head, sep, body = buf.partition(b"\r\n\r\n")
        if not sep:
            continue
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if len(body) >= length:
            if not head.startswith(b"HTTP/1.1 200"):
                raise ValueError("unexpected answer: " + head.split(b"\r\n")[0].decode(errors="replace"))
            return (time.perf_counter() - started) * 1000.0


def main():
    port, interval_ms, timeout_s, outfile = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    s = socket.create_connection(("127.0.0.1", port), timeout=2.0)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        ask(s)
    except (OSError, EOFError, ValueError) as e:
        print(f"admitted=0 asked=0 answered=0 p50_ms=nan max_ms=nan alive_after=0 error={e!r}")
        return 1
    latencies, asked, failed = [], 0, 0
    deadline = time.monotonic() + timeout_s
    with open(outfile, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                asked += 1
                try:
                    latencies.append(ask(s))
                except (OSError, EOFError, ValueError):
                    failed += 1
                    break
                time.sleep(interval_ms / 1000.0)
        finally:
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    alive = 0
    if failed == 0:
        try:
            ask(s)
            alive = 1
        except (OSError, EOFError, ValueError):
            alive = 0
    s.close()
    p50 = statistics.median(latencies) if latencies else float("nan")
    mx = max(latencies) if latencies else float("nan")
    print(f"admitted=1 asked={asked} answered={len(latencies)} p50_ms={p50:.2f} max_ms={mx:.2f} alive_after={alive}")
    return 0 if failed == 0 and alive else 1


if __name__ == "__main__":
    sys.exit(main())
