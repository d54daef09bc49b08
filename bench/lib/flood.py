#!/usr/bin/env python3
"""Silent-connection floods against `usher run` under a small open-files limit (bench/faults.sh).

flood.py USHER FILES FLOOD RUNS BACKEND_PORT LISTEN_PORT ADMIN_PORT WORKDIR

Each run starts usher under `prlimit --nofile=FILES:FILES` with its admin endpoint and one listener reading an HTTP
header identity in front of BACKEND_PORT, opens FLOOD connections that never send a byte from 127.0.0.2, and while
they are open a client from 127.0.0.1 sends 200 requests, one connection each, and /healthz and /api/status are asked
every 20. Then the flood closes and the descriptors (/proc/PID/fd) and RSS are read once they hold still. usher must
be alive after every run and exit 0 on SIGTERM. Prints one line per run and a `summary:` line.
"""
import json, os, signal, socket, subprocess, sys, time, urllib.request

TRIES = 200


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def settled(pid, baseline=None, seconds=20):
    """Descriptors and RSS once two readings a second apart agree (and are back to the baseline, when given)."""
    deadline = time.time() + seconds
    last = (fds(pid), rss_kb(pid))
    while time.time() < deadline:
        time.sleep(1)
        now = (fds(pid), rss_kb(pid))
        steady = now[0] == last[0] and abs(now[1] - last[1]) <= last[1] / 100
        last = now
        if steady and (baseline is None or (now[0] <= baseline[0] and now[1] <= baseline[1] * 1.2)):
            break
    return last


def ask(port):
    """One request of the legitimate client: milliseconds to the answer, or None."""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.1", 0)) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: app\r\nX-User: alice\r\n\r\n")
            data = s.recv(4096)
            return (time.perf_counter() - started) * 1000 if data.startswith(b"HTTP/1.1 200") else None
    except OSError:
        return None


def admin_ok(port):
    try:
        for path in ("/healthz", "/api/status"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                if r.status != 200:
                    return False
        return True
    except OSError:
        return False


def wait_listening(port, proc, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def one_run(usher, files, flood, backend, listen, admin, work, run):
    config = os.path.join(work, f"flood-{files}.json")
    with open(config, "w") as f:
        json.dump({"Usher": {"ShutdownGrace": "00:00:01", "Admin": {"Listen": f"127.0.0.1:{admin}"}, "Listeners": [
            {"Name": "web", "Listen": f"127.0.0.1:{listen}", "Backend": f"127.0.0.1:{backend}",
             "Identity": "HttpHeader:X-User", "HandshakeTimeout": "00:01:00", "MaxSessionsPerIdentity": 1000}]}}, f)
    log = open(os.path.join(work, f"flood-{files}-{run}.log"), "w")
    proc = subprocess.Popen(["prlimit", f"--nofile={files}:{files}", usher, "run", "--config", config,
                             "--log-format", "json"], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not (wait_listening(admin, proc) and wait_listening(listen, proc)):
            return {"alive": False, "why": "did not start"}
        pid = proc.pid  # prlimit sets the limit and execs usher in its own process
        for _ in range(5):
            ask(listen)
        admin_ok(admin)
        before = settled(pid)
        silent = []
        for _ in range(flood):
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", listen))
            except BlockingIOError:
                pass
            silent.append(s)
        time.sleep(0.5)
        peak = fds(pid)
        answers, admin_failures = [], 0
        for i in range(TRIES):
            ms = ask(listen)
            if ms is not None:
                answers.append(ms)
            if i % 20 == 0 and not admin_ok(admin):
                admin_failures += 1
        for s in silent:
            s.close()
        after = settled(pid, before)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        answers.sort()
        p99 = answers[max(0, -(-len(answers) * 99 // 100) - 1)] if answers else float("nan")
        p50 = answers[len(answers) // 2] if answers else float("nan")
        return {"alive": alive and code == 0, "answers": len(answers), "p50": p50, "p99": p99,
                "admin_failures": admin_failures, "fds": (before[0], peak, after[0]), "rss": (before[1], after[1])}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def main():
    usher, files, flood, runs, backend, listen, admin, work = sys.argv[1], *[int(x) for x in sys.argv[2:8]], sys.argv[8]
    results = []
    for run in range(1, runs + 1):
        r = one_run(usher, files, flood, backend, listen, admin, work, run)
        results.append(r)
        if "answers" in r:
            print(f"limit {files} run {run}: alive {r['alive']}, {r['answers']}/{TRIES} answers, p50 {r['p50']:.1f} ms, "
                  f"p99 {r['p99']:.1f} ms, admin failures {r['admin_failures']}, descriptors {r['fds'][0]} -> peak "
                  f"{r['fds'][1]} -> {r['fds'][2]}, RSS {r['rss'][0] // 1024} -> {r['rss'][1] // 1024} MB", flush=True)
        else:
            print(f"limit {files} run {run}: {r}", flush=True)
    up = sum(1 for r in results if r["alive"])
    done = [r for r in results if "answers" in r]
    worst = min((r["answers"] for r in done), default=0)
    p99 = max((r["p99"] for r in done), default=float("nan"))
    admin = sum(r["admin_failures"] for r in done)
    fds_back = sum(1 for r in done if r["fds"][2] <= r["fds"][0])
    rss = max((r["rss"][1] / max(1, r["rss"][0]) for r in done), default=0)
    print(f"summary: silent flood, {flood} connections under an open-files limit of {files}: usher up in {up}/{runs} runs; "
          f"the client's worst run {worst}/{TRIES} answers ({100 * worst / TRIES:.1f} %), worst p99 {p99:.1f} ms; "
          f"/healthz + /api/status failed {admin} times; descriptors back to the baseline in {fds_back}/{len(done)} runs; "
          f"RSS after / before at most {rss:.2f}")
    return 0 if up == runs else 1


if __name__ == "__main__":
    sys.exit(main())
