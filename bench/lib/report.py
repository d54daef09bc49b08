#!/usr/bin/env python3
"""Parsing and reporting for bench/run.sh.

  report.py wrk FILE            -> rps p50_ms p99_ms connect_err read_err write_err timeout_err non2xx requests seconds
  report.py iperf FILE          -> Gb/s received (sum of all streams)
  report.py idle FILE           -> KB per idle session
  report.py table ROWS META MD  -> prints the table; writes META + table as Markdown to MD

ROWS is tab-separated: metric, direction (up|down|none), usher, haproxy, nginx (numbers, or text such as n/a).
"""
import json
import math
import re
import sys

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * UNITS_MS[m.group(2)] if m else float("nan")


def parse_wrk(path):
    """rps, p50_ms, p99_ms, connect/read/write/timeout errors, non-2xx answers, requests, seconds of a wrk output."""
    text = open(path, encoding="utf-8", errors="replace").read()
    rps = re.search(r"Requests/sec:\s*([\d.]+)", text)
    p50 = re.search(r"^\s*50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", text, re.M)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    return {
        "rps": float(rps.group(1)) if rps else float("nan"),
        "p50": ms(p50.group(1)) if p50 else float("nan"),
        "p99": ms(p99.group(1)) if p99 else float("nan"),
        "errors": tuple(int(x) for x in (errs.groups() if errs else (0, 0, 0, 0))),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "requests": int(total.group(1)) if total else 0,
        "seconds": ms(total.group(2) + total.group(3)) / 1000.0 if total else float("nan"),
    }


def wrk(path):
    w = parse_wrk(path)
    fields = [w["rps"], w["p50"], w["p99"], *w["errors"], w["non2xx"], w["requests"], w["seconds"]]
    print(" ".join(str(f) for f in fields))


def iperf(path):
    try:
        data = json.load(open(path, encoding="utf-8"))
        bps = data["end"]["sum_received"]["bits_per_second"]
        print(f"{bps / 1e9:.2f}")
    except (OSError, ValueError, KeyError):
        print("nan")


def idle(path):
    m = re.search(r"per_conn_bytes=(-?\d+)", open(path, encoding="utf-8", errors="replace").read())
    print(f"{int(m.group(1)) / 1024:.2f}" if m else "nan")


def num(text):
    try:
        v = float(text)
        return None if math.isnan(v) else v
    except ValueError:
        return None


def fmt(text):
    v = num(text)
    if v is None:
        return text
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.2f}"


def best(direction, values):
    """The best of some figures (None for missing ones): the highest when higher is better ("up"), else the lowest."""
    values = [v for v in values if v is not None]
    if direction not in ("up", "down") or not values:
        return None
    return max(values) if direction == "up" else min(values)


def ratio_text(value, reference):
    return f"{value / reference:.2f}×" if value is not None and reference else "—"


def markdown(header, lines):
    """A Markdown table, its columns padded to their widest cell."""
    widths = [max(len(header[i]), *(len(r[i]) for r in lines)) for i in range(len(header))]

    def row(cells):
        return "| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(cells)) + " |"

    return "\n".join([row(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(row(r) for r in lines)])


def table(rows_path, meta_path, md_path):
    header = ["metric", "better", "Usher", "HAProxy", "nginx", "Usher / best anchor"]
    lines = []
    for raw in open(rows_path, encoding="utf-8"):
        raw = raw.rstrip("\n")
        if not raw:
            continue
        metric, direction, usher, haproxy, nginx = raw.split("\t")
        u, anchors = num(usher), [a for a in (num(haproxy), num(nginx)) if a is not None]
        ratio = ratio_text(u, best(direction, anchors))
        arrow = {"up": "higher", "down": "lower"}.get(direction, "—")
        lines.append([metric, arrow, fmt(usher), fmt(haproxy), fmt(nginx), ratio])
    table_text = markdown(header, lines)
    print(table_text)
    meta = open(meta_path, encoding="utf-8").read()
    with open(md_path, "w", encoding="utf-8") as md:
        md.write(meta.rstrip("\n") + "\n\n" + table_text + "\n")


def main():
    cmd = sys.argv[1]
    if cmd == "wrk":
        wrk(sys.argv[2])
    elif cmd == "iperf":
        iperf(sys.argv[2])
    elif cmd == "idle":
        idle(sys.argv[2])
    elif cmd == "table":
        table(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
