#!/usr/bin/env python3
"""Reclaim trials: how long a user whose old sessions vanished waits for a new one.

Each trial: a client in network namespace NS opens LIMIT keep-alive HTTP sessions as user u<trial> (identity from the
X-User header) through Usher, goes idle, and is cut off with iptables DROP (no FIN, no RST). The same user then
connects from the host; the time from its connect to its first response byte is the reclaim time. Then the namespace
is restored and the next trial starts with a fresh user.

usage: reclaim.py NS HOST PORT LIMIT TRIALS MIN_IDLE_S
Prints one line per trial and a summary line: trials=N ok=N p50_ms=.. p99_ms=.. max_ms=..
Every wait is bounded; the script stops by itself."""
import socket, subprocess, sys, time

ns, host, port, limit, trials, min_idle = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])

HOLDER = r'''
import socket, sys, time
host, port, user, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
conns = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nX-User: %s\r\n\r\n" % user).encode())
    if not s.recv(4096): sys.exit("refused")
    conns.append(s)
print("ready", flush=True)
time.sleep(120)
'''

def iptables(op):
    for chain in ("INPUT", "OUTPUT"):
        subprocess.run(["ip", "netns", "exec", ns, "iptables", "-w", op, chain, "-j", "DROP"], check=True)

def request(user, timeout):
    t0 = time.monotonic()
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nX-User: %s\r\n\r\n" % user).encode())
        data = s.recv(4096)
        return (time.monotonic() - t0) if data.startswith(b"HTTP/1.1 200") else None
    except OSError:
        return None
    finally:
        s.close()

times = []
for trial in range(trials):
    user = "u%d" % trial
    holder = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", HOLDER, host, str(port), user, str(limit)],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = holder.stdout.readline().strip()
        if line != "ready":
            print("trial %d: the holder could not open its sessions" % trial, flush=True)
            continue
        time.sleep(min_idle)
        iptables("-I")
        elapsed = request(user, timeout=15)
        print("trial %d: %s" % (trial, "refused" if elapsed is None else "%.0f ms" % (elapsed * 1000)), flush=True)
        if elapsed is not None:
            times.append(elapsed)
    finally:
        holder.kill()
        holder.wait(timeout=10)
        subprocess.run(["ip", "netns", "exec", ns, "iptables", "-w", "-F"], check=False)

times.sort()
def pct(p):
    return times[min(len(times) - 1, int(round(p / 100.0 * (len(times) - 1))))] * 1000 if times else float("nan")
print("trials=%d ok=%d p50_ms=%.0f p99_ms=%.0f max_ms=%.0f" % (trials, len(times), pct(50), pct(99), times[-1] * 1000 if times else float("nan")))
