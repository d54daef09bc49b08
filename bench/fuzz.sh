#!/usr/bin/env bash
# Fuzzes Usher's handshake readers and its configuration reader with AFL++ through SharpFuzz.
#
#   bench/fuzz.sh                    every target, EXECS (1,000,000) executions each, at most MAX_SECONDS each
#   QUICK=1 bench/fuzz.sh            every target, 20,000 executions each (a smoke run, a few minutes in all)
#   TARGETS="mqtt http" bench/fuzz.sh
#
# Targets (bench/Usher.Fuzz/Targets.cs): proxy (ProxyProtocolReader.Read), tls (TlsSniReader), postgres
# (PostgresStartupReader), mqtt (MqttConnectReader), imap (ImapLoginReader), http (HttpRequestReader), backend (the
# backend watchers that confirm claimed identities: PostgresBackendWatcher, MqttConnAckWatcher, HttpStatusWatcher),
# config (ConfigReader.Read over the input as JSON). A crash is an exception from a reader, an answer inconsistent with its
# input, or an exception from the configuration reader other than ConfigException (JSON format errors of the
# provider are expected outcomes).
#
# What it does: installs afl++ (apt-get) and the `sharpfuzz` tool (SharpFuzz.CommandLine 2.3.0) when missing;
# builds bench/Usher.Fuzz in Release into a work folder; instruments that copy of Usher.Core.dll; writes the seeds;
# runs afl-fuzz once per target, bounded by -E EXECS and -V MAX_SECONDS; writes bench/results/<UTC>-fuzz.md with the
# executions, speed, coverage, crashes and hangs of each target. The work folder (queues, crash inputs, afl logs)
# stays in bench/results/raw/<UTC>-fuzz/ (ignored by git). Everything runs on this machine; nothing listens.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PATH="$PATH:$HOME/.dotnet/tools"

if [ "${QUICK:-0}" = 1 ]; then
  EXECS=${EXECS:-20000}
  MAX_SECONDS=${MAX_SECONDS:-180}
else
  EXECS=${EXECS:-1000000}
  MAX_SECONDS=${MAX_SECONDS:-1800}
fi
TIMEOUT_MS=${TIMEOUT_MS:-5000}

log() { printf '== %s\n' "$*" >&2; }

if ! command -v afl-fuzz >/dev/null; then
  log "installing afl++"
  if [ "$(id -u)" -ne 0 ]; then echo "fuzz.sh: installing afl++ needs root" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi
if ! command -v sharpfuzz >/dev/null; then
  log "installing the sharpfuzz tool"
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
work="bench/results/raw/${stamp}-fuzz"
report="bench/results/${stamp}-fuzz.md"
mkdir -p "$work/findings"

log "building bench/Usher.Fuzz (Release) into $work/bin"
dotnet build bench/Usher.Fuzz -c Release -o "$work/bin" -v q --nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
# Instrumented code runs only under afl-fuzz (it writes to AFL's shared coverage map): seeds, the target list and
# the replay of crash inputs use an uninstrumented copy.
cp -r "$work/bin" "$work/plain"
dotnet=$(command -v dotnet)
plain=("$dotnet" "$work/plain/Usher.Fuzz.dll")
"${plain[@]}" seeds "$work/seeds"
TARGETS=${TARGETS:-$("${plain[@]}" list)}
log "instrumenting Usher.Core.dll"
sharpfuzz "$work/bin/Usher.Core.dll" >"$work/instrument.log" 2>&1 || { cat "$work/instrument.log" >&2; exit 1; }
fuzz=("$dotnet" "$work/bin/Usher.Fuzz.dll")

# afl-fuzz drives `dotnet`, which carries no native instrumentation: SharpFuzz's fork server speaks for it.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1

stat() { sed -nE "s/^$2 *: *(.*)$/\1/p" "$1" | head -1; }

rows=()
crash_notes=()
total_crashes=0
failed_targets=0
for target in $TARGETS; do
  log "fuzzing $target: up to $EXECS executions, at most $MAX_SECONDS s"
  out="$work/findings/$target"
  started=$(date +%s)
  # afl-fuzz exits 0 when -E or -V ends the run; keep going on a failure and report it.
  if ! timeout --kill-after=30 $((MAX_SECONDS + 120)) afl-fuzz -i "$work/seeds/$target" -o "$out" \
      -E "$EXECS" -V "$MAX_SECONDS" -t "$TIMEOUT_MS" -m none -- "${fuzz[@]}" "$target" >"$work/afl-$target.log" 2>&1; then
    log "afl-fuzz for $target failed; see $work/afl-$target.log"
    tail -20 "$work/afl-$target.log" >&2
    rows+=("| $target | afl-fuzz failed (see raw log) | | | | | | |")
    failed_targets=$((failed_targets + 1))
    continue
  fi
  elapsed=$(( $(date +%s) - started ))
  stats="$out/default/fuzzer_stats"
  execs=$(stat "$stats" execs_done)
  speed=$(stat "$stats" execs_per_sec)
  corpus=$(stat "$stats" corpus_count)
  coverage=$(stat "$stats" bitmap_cvg)
  crashes=$(stat "$stats" saved_crashes)
  hangs=$(stat "$stats" saved_hangs)
  total_crashes=$((total_crashes + ${crashes:-0}))
  rows+=("| $target | $execs | $elapsed | $speed | $corpus | $coverage | $crashes | $hangs |")
  for input in "$out"/default/crashes/id:*; do
    [ -e "$input" ] || continue
    first=$({ "${plain[@]}" "$target" "$input" 2>&1 || true; } | sed -n '1p' | cut -c1-300)
    crash_notes+=("- \`$target\` \`${input#"$work/"}\` (hex $(head -c 64 "$input" | od -An -tx1 | tr -d ' \n')…): $first")
  done
done

{
  echo "# Fuzzing run $stamp"
  echo
  echo "AFL++ $(dpkg-query -W -f='${Version}' afl++ 2>/dev/null || echo '(version unknown)') through SharpFuzz 2.3.0 (Usher.Core.dll instrumented), $(dotnet --version) SDK," \
    "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo "Bounds: EXECS=$EXECS executions per target (\`-E\`), MAX_SECONDS=$MAX_SECONDS (\`-V\`), $TIMEOUT_MS ms per input (\`-t\`)."
  echo "Seeds: the handshakes captured from real clients (bench/Usher.Benchmarks/Handshakes/HandshakeSamples.cs) and three configuration files."
  echo
  echo "| target | executions | seconds | exec/s | corpus | map coverage | crashes | hangs |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  if [ "$failed_targets" -gt 0 ]; then
    echo "$failed_targets target(s) did not run to their bound: see the afl logs in the raw folder."
    echo
  fi
  if [ "$total_crashes" -eq 0 ]; then
    echo "No crash found: no reader threw or answered inconsistently, and the configuration reader refused bad files only with ConfigException."
  else
    echo "## Crashes"
    echo
    printf '%s\n' "${crash_notes[@]}"
    echo
    echo "Each crash input becomes a regression test in tests/Usher.Core.Tests."
  fi
  echo
  echo "Raw output (queues, crash inputs, afl logs): \`$work/\` (not committed)."
} >"$report"
log "report: $report"
cat "$report"
[ "$failed_targets" -eq 0 ] && [ "$total_crashes" -eq 0 ]
