#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (bench/Usher.Benchmarks) and copies the summary to bench/results/<UTC>-bdn.md.
#   bench/bdn.sh                       every benchmark ('*')
#   bench/bdn.sh '*Ledger*'            one class (any BenchmarkDotNet filter)
#   bench/bdn.sh '*' --iterationCount 10   further BenchmarkDotNet options after the filter
# The job is short and in-process (see Program.cs). The relay and session benchmarks open loopback sockets only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FILTER=${1:-*}
shift || true
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
ART=$(mktemp -d "${TMPDIR:-/tmp}/usher-bdn.XXXXXX")
trap 'rm -rf "$ART"' EXIT
mkdir -p "$ROOT/bench/results"
BDN_ARTIFACTS=$ART timeout 3600 dotnet run -c Release --project "$ROOT/bench/Usher.Benchmarks" -- --filter "$FILTER" "$@" \
  | tee "$ART/console.txt"
OUT=$ROOT/bench/results/$STAMP-bdn.md
{
  echo "# BenchmarkDotNet, $STAMP (filter '$FILTER')"
  echo
  echo "Commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  for f in "$ART"/results/*-report-github.md; do
    [ -f "$f" ] || continue
    echo
    cat "$f"
  done
} > "$OUT"
echo "Summary written to $OUT"
