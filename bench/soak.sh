#!/usr/bin/env bash
# Soak: the mixed load of tests/Usher.EndToEnd.Tests/Soak for DURATION seconds (default 600; the test suite runs 120):
# connection churn, long sessions, refusals at a limit, laptops in a network namespace that vanish and whose users
# are admitted again by a reclaim. Checks that the ledger ends at zero with no session open, and that descriptors and
# RSS come back to their baseline within 5 %. Writes bench/results/<UTC>-soak.md. Needs root.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-600}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
USHER_SOAK_SECONDS=$DURATION timeout $((DURATION * 2 + 300)) dotnet test "$ROOT/tests/Usher.EndToEnd.Tests" -nologo \
  --filter "FullyQualifiedName~Soak" --logger "console;verbosity=detailed" 2>&1 | tee "$OUT" | grep -E "soak [0-9]+ s:|Passed!|Failed!" || true
status=${PIPESTATUS[0]}
mkdir -p "$ROOT/bench/results"
{
  echo "# Soak, $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(uname -r), $(dotnet --version). Duration ${DURATION} s."
  echo
  echo '```'
  grep -E "soak [0-9]+ s:|Passed!|Failed!|Error Message" -A1 "$OUT" | sed 's/^ *//' || true
  echo '```'
} > "$ROOT/bench/results/$STAMP-soak.md"
echo "written to bench/results/$STAMP-soak.md"
exit "$status"
