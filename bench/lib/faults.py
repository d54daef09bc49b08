#!/usr/bin/env python3
"""Faults and attacks against a running usher process, measured from outside: the usher's resident memory (VmRSS,
sampled every 100 ms), the kernel's TCP memory, what clients and backends see, and the events usher logs.

usage: faults.py SCENARIO USHER_PID LOG_FILE [KEY=VALUE ...]
  stalled-backend  STALL_PORT BACKEND_PORT SESSIONS OFFER_MB SECONDS: SESSIONS clients each offer OFFER_MB to a backend
                   that does not read; then the backend reads everything and the clients close
  stalled-client   same ports: the backend offers OFFER_MB on each session to clients that do not read; then the clients
                   read everything and the backend closes
  reset-storm      same ports: SESSIONS open sessions, then the backend resets every connection (SO_LINGER 0)
  slowloris        HTTP_PORT CONNECTIONS HANDSHAKE_S: CONNECTIONS connections send one byte a second and never finish
                   their request; a real client sends a request every 100 ms meanwhile
Prints `key=value` lines; the last line is a one-line summary. Every loop is bounded in count and time, every target
is on loopback, and the script stops by itself."""
import json, os, selectors, socket, sys, threading, time

HOST = "127.0.0.1"
PAGE = os.sysconf("SC_PAGE_SIZE")


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def tcp_mem():
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                parts = line.split()
                return int(parts[parts.index("mem") + 1]) * PAGE
    return 0


class Sampler:
    """Samples the usher's RSS and the kernel's TCP memory every 100 ms while a phase runs."""
    def __init__(self, pid):
        self.pid, self.peak_rss, self.peak_tcp, self.running = pid, 0, 0, True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            self.peak_rss = max(self.peak_rss, status(self.pid, "VmRSS"))
            self.peak_tcp = max(self.peak_tcp, tcp_mem())
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.thread.join(2)


def events(log, event_id):
    out = []
    with open(log, errors="replace") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("EventId") == event_id:
                out.append(record)
    return out


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class Backend:
    """A listening socket whose accepted connections the scenario drives by hand."""
    def __init__(self, port):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, port))
        self.listener.listen(4096)
        self.listener.settimeout(0.2)
        self.conns, self.stop = [], False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stop:
            try:
                conn, _ = self.listener.accept()
                self.conns.append(conn)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop = True
        self.listener.close()


def mb(n):
    return f"{n / 1048576:.1f}"


def offer(senders, per_socket, seconds, stall_s=1.0):
    """Sends non-blocking until each socket took per_socket bytes, the time is up, or nothing moved for stall_s."""
    block = bytes(range(256)) * 256
    sent = {s: 0 for s in senders}
    for s in senders:
        s.setblocking(False)
    start = last = time.monotonic()
    while time.monotonic() - start < seconds and time.monotonic() - last < stall_s:
        moved = False
        for s in senders:
            if sent[s] >= per_socket:
                continue
            try:
                n = s.send(block[: min(len(block), per_socket - sent[s])])
                sent[s] += n
                moved = moved or n > 0
            except BlockingIOError:
                pass
        if moved:
            last = time.monotonic()
        else:
            time.sleep(0.01)
        if all(v >= per_socket for v in sent.values()):
            break
    return sum(sent.values()), time.monotonic() - start, time.monotonic() - last >= stall_s


def drain(readers, expected, seconds):
    """Reads every socket until expected bytes arrived in all, or the time is up."""
    sel = selectors.DefaultSelector()
    for s in readers:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    got, deadline = 0, time.monotonic() + seconds
    while got < expected and time.monotonic() < deadline:
        for key, _ in sel.select(0.2):
            try:
                data = key.fileobj.recv(1 << 20)
            except (BlockingIOError, ConnectionError):
                continue
            if not data:
                sel.unregister(key.fileobj)
            got += len(data)
    sel.close()
    return got


def stalled(pid, log, stall_port, backend_port, sessions, offer_mb, seconds, backend_stalls):
    backend = Backend(backend_port)
    clients = [socket.create_connection((HOST, stall_port), timeout=5) for _ in range(sessions)]
    assert wait_for(lambda: len(backend.conns) == sessions, 20), f"backend accepted {len(backend.conns)} of {sessions}"
    time.sleep(0.5)
    before = status(pid, "VmRSS")
    tcp_before = tcp_mem()
    sampler = Sampler(pid)
    senders, receivers = (clients, backend.conns) if backend_stalls else (backend.conns, clients)
    accepted, took, stalled_flag = offer(senders, offer_mb * 1048576, seconds)
    time.sleep(0.5)
    sampler.stop()
    after_offer = status(pid, "VmRSS")
    delivered = drain(receivers, accepted, 120)
    for s in senders:
        s.setblocking(True)
        s.shutdown(socket.SHUT_WR)
    if backend_stalls:
        # The clients' FINs are passed on (half-close); the backend answers each with its own, as servers do.
        for r in receivers:
            r.setblocking(True)
            r.settimeout(30)
            while r.recv(1 << 16):
                pass
            r.shutdown(socket.SHUT_WR)
    reason = "ClientClosed" if backend_stalls else "BackendClosed"
    closed = lambda: len([e for e in events(log, 9642) if e["State"].get("CloseReason") == reason])
    wait_for(lambda: closed() >= sessions, 30)
    for s in clients + backend.conns:
        s.close()
    backend.close()
    who = "backend" if backend_stalls else "client"
    print(f"sessions={sessions} offered_mb={offer_mb * sessions} seconds={seconds}")
    print(f"accepted_by_sender_kernels_mb={mb(accepted)} in {took:.1f} s, stalled={stalled_flag}")
    print(f"usher_rss_mb before={mb(before)} peak={mb(sampler.peak_rss)} after_offer={mb(after_offer)} growth_peak={mb(sampler.peak_rss - before)}")
    print(f"kernel_tcp_mem_mb before={mb(tcp_before)} peak={mb(sampler.peak_tcp)}")
    print(f"delivered_after_resume_mb={mb(delivered)} of {mb(accepted)}; sessions_closed_{reason}={closed()} of {sessions}")
    print(f"summary: stalled {who}: {sessions} sessions offered {offer_mb * sessions} MB in {seconds} s; senders' kernels took {mb(accepted)} MB "
          f"and stalled={stalled_flag}; usher RSS {mb(before)} -> peak {mb(sampler.peak_rss)} MB (+{mb(sampler.peak_rss - before)}); "
          f"kernel TCP memory peak {mb(sampler.peak_tcp)} MB; every byte delivered after resume: {delivered == accepted}; "
          f"{closed()}/{sessions} closed {reason}")


def reset_storm(pid, log, stall_port, backend_port, sessions):
    backend = Backend(backend_port)
    clients = [socket.create_connection((HOST, stall_port), timeout=5) for _ in range(sessions)]
    assert wait_for(lambda: len(backend.conns) == sessions, 20), f"backend accepted {len(backend.conns)} of {sessions}"
    before = len(events(log, 9642))
    start = time.monotonic()
    for c in backend.conns:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
    ended = 0
    for c in clients:
        c.settimeout(max(0.1, 10 - (time.monotonic() - start)))
        try:
            if c.recv(1) == b"":
                ended += 1
        except (ConnectionError, socket.timeout) as e:
            ended += 0 if isinstance(e, socket.timeout) else 1
    all_seen = time.monotonic() - start
    backend_closed = lambda: len([e for e in events(log, 9642)[before:] if e["State"].get("CloseReason") == "BackendClosed"])
    wait_for(lambda: backend_closed() >= sessions, 20)
    for c in clients:
        c.close()
    backend.close()
    print(f"summary: backend reset {sessions} sessions: {ended}/{sessions} clients saw their connection end within "
          f"{all_seen * 1000:.1f} ms of the resets; {backend_closed()}/{sessions} logged 9642 BackendClosed")


def slowloris(pid, log, http_port, connections, handshake_s):
    request = b"GET / HTTP/1.1\r\nHost: victim\r\nX-User: mallory\r\n\r\n"
    before = status(pid, "VmRSS")
    sampler = Sampler(pid)
    socks, opened_at = [], {}
    start = time.monotonic()
    for _ in range(connections):
        s = socket.create_connection((HOST, http_port), timeout=5)
        s.setblocking(False)
        opened_at[s] = time.monotonic()
        socks.append(s)
    connected_in = time.monotonic() - start
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed_after, latencies, failures = [], [], 0
    next_byte, byte_index, next_request = time.monotonic(), 0, time.monotonic()
    deadline = time.monotonic() + handshake_s + 15
    while (len(closed_after) < connections or byte_index < 2) and time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_byte:
            for key in list(sel.get_map().values()):
                try:
                    key.fileobj.send(request[byte_index % len(request): byte_index % len(request) + 1])
                except OSError:
                    pass
            byte_index += 1
            next_byte = now + 1
        if now >= next_request:
            t0 = time.monotonic()
            try:
                with socket.create_connection((HOST, http_port), timeout=5) as c:
                    c.sendall(b"GET / HTTP/1.1\r\nHost: victim\r\nX-User: alice\r\n\r\n")
                    if c.recv(4096).startswith(b"HTTP/1.1 200"):
                        latencies.append(time.monotonic() - t0)
                    else:
                        failures += 1
            except OSError:
                failures += 1
            next_request = time.monotonic() + 0.1
        for key, _ in sel.select(0.05):
            try:
                data = key.fileobj.recv(64)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed_after.append(time.monotonic() - opened_at[key.fileobj])
                sel.unregister(key.fileobj)
    sampler.stop()
    for s in socks:
        s.close()
    rejected = lambda: len(events(log, 9650))
    wait_for(lambda: rejected() >= connections, 10)
    closed_after.sort()
    latencies.sort()
    pct = lambda xs, p: xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")
    print(f"connections={connections} connected_in_s={connected_in:.2f} handshake_timeout_s={handshake_s}")
    print(f"closed={len(closed_after)} after_s p50={pct(closed_after, .5):.2f} p99={pct(closed_after, .99):.2f} max={closed_after[-1] if closed_after else float('nan'):.2f}")
    print(f"real_client ok={len(latencies)} failed={failures} ms p50={pct(latencies, .5) * 1000:.1f} p99={pct(latencies, .99) * 1000:.1f} max={(latencies[-1] if latencies else float('nan')) * 1000:.1f}")
    print(f"usher_rss_mb before={mb(before)} peak={mb(sampler.peak_rss)} per_connection_kb={(sampler.peak_rss - before) / connections / 1024:.1f}")
    print(f"summary: slowloris {connections} connections, one byte a second, HandshakeTimeout {handshake_s} s: {len(closed_after)} closed, "
          f"p50 {pct(closed_after, .5):.2f} s / max {closed_after[-1] if closed_after else float('nan'):.2f} s after connecting; {rejected()} x 9650; "
          f"real client {len(latencies)} ok / {failures} failed, p50 {pct(latencies, .5) * 1000:.1f} ms, max {(latencies[-1] if latencies else float('nan')) * 1000:.1f} ms; "
          f"usher RSS {mb(before)} -> peak {mb(sampler.peak_rss)} MB ({(sampler.peak_rss - before) / connections / 1024:.1f} KB per connection)")


def main():
    scenario, pid, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    a = [int(x) for x in sys.argv[4:]]
    if scenario in ("stalled-backend", "stalled-client"):
        stalled(pid, log, a[0], a[1], a[2], a[3], a[4], scenario == "stalled-backend")
    elif scenario == "reset-storm":
        reset_storm(pid, log, a[0], a[1], a[2])
    elif scenario == "slowloris":
        slowloris(pid, log, a[0], a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
