#!/usr/bin/env python3
"""The figures run.sh measures with each proxy's CPU time: the churn and keep-alive series, pgbench, the event stream.

  series.py rows MEASURES RAW CLK_TCK          -> summary rows (report.py's ROWS format) for Usher with Workers 1
  series.py tables MEASURES RAW CLK_TCK NPROC  -> Markdown: Workers 1 / default, the rounds, pgbench, event stream
  series.py errors MEASURES RAW CLK_TCK        -> note lines for loads that had socket errors, non-2xx or aborts

MEASURES is run.sh's measures.tsv: figure, run, proxy, output file (in RAW), CPU ticks of the proxy, wall seconds.
Figures: churn, keepalive (wrk, RUNS rounds), churn-nostream, keepalive-nostream (wrk, just before the event stream
opens), churn-events, keepalive-events (wrk, event stream open), pgS, pgSC
(pgbench -S, pgbench -S -C), idle (no output file: the idle usherd process during the pgbench runs). Proxies: usher (Workers 1), usherd (default worker count), haproxy, nginx.
"""
import re
import statistics
import sys

from report import best, fmt, markdown, parse_wrk, ratio_text

ANCHORS = ("haproxy", "nginx")
WRK_FIGURES = ("churn", "keepalive", "churn-nostream", "keepalive-nostream", "churn-events", "keepalive-events")


def parse_pgbench(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    tps = re.search(r"^tps = ([\d.]+)", text, re.M)
    done = re.search(r"^number of transactions actually processed: (\d+)", text, re.M)
    failed = re.search(r"^number of failed transactions: (\d+)", text, re.M)
    latency = re.search(r"^latency average = ([\d.]+) ms", text, re.M)
    return {
        "tps": float(tps.group(1)) if tps else float("nan"),
        "count": int(done.group(1)) if done else 0,
        "failed": int(failed.group(1)) if failed else 0,
        "aborted": len(re.findall(r"client \d+ aborted", text)),
        "latency": float(latency.group(1)) if latency else float("nan"),
    }


class Measure:
    """One load through one proxy: its tool's figures and the proxy's CPU time in µs per request / transaction."""

    def __init__(self, line, raw, clk_tck):
        self.figure, run, self.proxy, name, ticks, wall = line.rstrip("\n").split("\t")
        self.run, self.ticks, self.wall, self.file = int(run), int(ticks), float(wall), name
        path, pg = f"{raw}/{name}", self.figure.startswith("pg")
        self.wrk = parse_wrk(path) if self.figure in WRK_FIGURES else None
        self.pg = parse_pgbench(path) if pg else None
        count = self.pg["count"] if pg else self.wrk["requests"] if self.wrk else 0
        self.cpu_us = self.ticks * 1e6 / clk_tck / count if count else None

    def value(self, key):
        if key == "cpu":
            return self.cpu_us
        source = self.pg if self.pg else self.wrk
        v = source[key]
        return None if v != v else v  # NaN: the tool printed no such figure


CLK = {"tck": 100.0}


def load(measures, raw, clk_tck):
    CLK["tck"] = float(clk_tck)
    with open(measures, encoding="utf-8") as f:
        return [Measure(line, raw, float(clk_tck)) for line in f if line.strip()]


def pick(items, figure, proxy, run=None):
    return [m for m in items if m.figure == figure and m.proxy == proxy and (run is None or m.run == run)]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def med(items, figure, proxy, key):
    return median(m.value(key) for m in pick(items, figure, proxy))


def cell(value):
    return "nan" if value is None else fmt(str(value))


# The series' figures: label, figure, key, which way is better.
SERIES = [
    ("churn, wrk -c32 Connection: close (req/s)", "churn", "rps", "up"),
    ("CPU per connection, churn (µs)", "churn", "cpu", "down"),
    ("keep-alive, wrk -c16 (req/s)", "keepalive", "rps", "up"),
    ("CPU per keep-alive request (µs)", "keepalive", "cpu", "down"),
    ("keep-alive latency p50 (ms)", "keepalive", "p50", "down"),
    ("keep-alive latency p99 (ms)", "keepalive", "p99", "down"),
]


def rows(items):
    """Summary rows for report.py's table: the median of every round, Usher with Workers 1."""
    for label, figure, key, direction in SERIES:
        values = ["nan" if v is None else str(v) for v in (med(items, figure, p, key) for p in ("usher", *ANCHORS))]
        print("\t".join([label, direction, *values]))


def spec_lines(specs, cells):
    """One table line per figure: its label, which way is better, then the cells cells(figure, key, direction) gives."""
    return [[label, "higher" if direction == "up" else "lower", *cells(figure, key, direction)]
            for label, figure, key, direction in specs]


def workers_table(items, nproc):
    header = ["metric (median of the rounds)", "better", "Usher, Workers 1", f"Usher, default ({nproc} loops)",
              "HAProxy", "nginx", "Workers 1 / best anchor", "default / best anchor"]
    def cells(figure, key, direction):
        u1, ud, ha, ng = (med(items, figure, p, key) for p in ("usher", "usherd", *ANCHORS))
        b = best(direction, [ha, ng])
        return [cell(u1), cell(ud), cell(ha), cell(ng), ratio_text(u1, b), ratio_text(ud, b)]

    return markdown(header, spec_lines(SERIES, cells))


def round_table(items, label, figure, key, direction):
    """Every round of one figure: each proxy, the better anchor, both Usher ratios; the medians last."""
    runs = sorted({m.run for m in items if m.figure == figure})
    header = ["round", "Usher, Workers 1", "Usher, default", "HAProxy", "nginx", "better anchor",
              "Workers 1 / better", "default / better"]
    lines, ratios1, ratiosd, wins1, winsd = [], [], [], 0, 0
    for run in runs:
        u1, ud, ha, ng = (median(m.value(key) for m in pick(items, figure, p, run)) for p in ("usher", "usherd", *ANCHORS))
        b = best(direction, [ha, ng])
        r1 = u1 / b if u1 is not None and b else None
        rd = ud / b if ud is not None and b else None
        ratios1.append(r1)
        ratiosd.append(rd)
        good = (lambda r: r is not None and (r >= 1 if direction == "up" else r <= 1))
        wins1 += good(r1)
        winsd += good(rd)
        lines.append([str(run), cell(u1), cell(ud), cell(ha), cell(ng), cell(b), ratio_text(u1, b), ratio_text(ud, b)])
    meds = [med(items, figure, p, key) for p in ("usher", "usherd", *ANCHORS)]
    m1, md = median(ratios1), median(ratiosd)
    lines.append(["median", *(cell(v) for v in meds), "",
                  "—" if m1 is None else f"{m1:.2f}×", "—" if md is None else f"{md:.2f}×"])
    word = "≥" if direction == "up" else "≤"
    tally = (f"Usher {word} the better anchor in {wins1} of {len(runs)} rounds with Workers 1, "
             f"{winsd} of {len(runs)} with the default worker count.")
    return f"### {label}\n\n{markdown(header, lines)}\n\n{tally}"


def pgbench_table(items):
    header = ["pgbench -S, 8 clients", "better", "Usher", "HAProxy", "nginx", "Usher / HAProxy",
              "Usher / best anchor"]
    specs = [
        ("tps, 8 connections (-S)", "pgS", "tps", "up"),
        ("CPU per transaction (µs)", "pgS", "cpu", "down"),
        ("tps, a connection per transaction (-S -C)", "pgSC", "tps", "up"),
        ("CPU per connection + transaction (µs)", "pgSC", "cpu", "down"),
    ]
    def cells(figure, key, direction):
        u, ha, ng = (med(items, figure, p, key) for p in ("usher", *ANCHORS))
        return [cell(u), cell(ha), cell(ng), ratio_text(u, ha), ratio_text(u, best(direction, [ha, ng]))]

    lines = spec_lines(specs, cells)
    idle = [m for m in items if m.figure == "idle"]
    note = ""
    if idle and idle[0].wall > 0:
        ms_per_s = idle[0].ticks * 1000 / CLK["tck"] / idle[0].wall
        note = (f"\n\nUsher's own background (heartbeat, admin endpoint, GC), read on the idle second usher process over "
                f"the {idle[0].wall:.0f} s of these runs: {ms_per_s:.1f} ms of CPU per second; it counts in Usher's "
                f"CPU per transaction above, and matters only where transactions are few (pgbench -C).")
    return markdown(header, lines) + note


def events_table(items, raw):
    header = ["Usher, Workers 1", "better", "median of the rounds", "stream closed (just before)", "stream open",
              "open / closed"]
    specs = [spec for spec in SERIES if spec[2] != "p50"]

    def cells(figure, key, _):
        rounds, closed, opened = (med(items, figure + suffix, "usher", key) for suffix in ("", "-nostream", "-events"))
        return [cell(rounds), cell(closed), cell(opened), ratio_text(opened, closed)]

    lines = spec_lines(specs, cells)
    with open(f"{raw}/events-stream-counts.tsv", encoding="utf-8") as f:
        counts = dict(line.rstrip("\n").split("\t") for line in f if line.strip())
    read = (f"The stream reader got {counts['snapshot']} snapshot, {counts['status']} status and "
            f"{counts['event']} event message(s) ({int(counts['bytes']):,} bytes) during the two runs.")
    return f"{markdown(header, lines)}\n\n{read}"


def tables(items, raw, nproc):
    runs = len({m.run for m in items if m.figure == "keepalive"})
    parts = [
        f"## Usher with Workers 1 and with its default worker count ({nproc} event loops)", "",
        workers_table(items, nproc), "",
        f"## The series: {runs} rounds, each proxy in turn (the order rotates every round)", "",
        "Every round's figure per proxy; a round's ratio is Usher / the better anchor of that round.", "",
    ]
    for label, figure, key, direction in [SERIES[5], SERIES[2], SERIES[3], SERIES[0], SERIES[1]]:
        parts += [round_table(items, label, figure, key, direction), ""]
    parts += [
        "## pgbench -S through each proxy (PostgreSQL on loopback; Usher: Identity PostgresUser, Workers 1)", "",
        pgbench_table(items), "",
        "## The dashboard's event stream (curl -N /api/events open during one churn and one keep-alive run, against "
        "the same two runs just before it opened)", "",
        events_table(items, raw),
    ]
    print("\n" + "\n".join(parts))


def errors(items):
    for m in items:
        if m.wrk:
            c, r, w, t = m.wrk["errors"]
            if c + r + w + t + m.wrk["non2xx"]:
                print(f"- {m.figure} round {m.run} through {m.proxy}: socket errors connect {c}, read {r}, "
                      f"write {w}, timeout {t}; non-2xx {m.wrk['non2xx']}")
        elif m.pg and (m.pg["aborted"] or m.pg["failed"] or not m.pg["count"]):
            print(f"- {m.figure} through {m.proxy}: {m.pg['aborted']} client(s) aborted, {m.pg['failed']} failed "
                  f"transaction(s), {m.pg['count']} processed ({m.file})")


def main():
    cmd, measures, raw, clk_tck = sys.argv[1:5]
    items = load(measures, raw, clk_tck)
    if cmd == "rows":
        rows(items)
    elif cmd == "tables":
        tables(items, raw, sys.argv[5])
    elif cmd == "errors":
        errors(items)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
