#!/usr/bin/env bash
# Runs every test of Usher on a fresh Debian machine (root, .NET SDK 10):
#   1. installs the real peers the tests talk to, when missing (apt-get);
#   2. runs `dotnet test` on the whole solution (fixtures start and stop their own servers:
#      PostgreSQL, Dovecot, network namespaces, ...);
#   3. removes anything a crashed test left behind, and prints the totals alone on the last line:
#      "N passed, N failed, N skipped". Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\n== %s\n' "$*" >&2; }

install_peers() {
  local need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v psql >/dev/null || need+=(postgresql-client)
  command -v iptables >/dev/null || need+=(iptables)
  command -v ip >/dev/null || need+=(iproute2)
  command -v python3 >/dev/null || need+=(python3)
  command -v runuser >/dev/null || need+=(util-linux)
  command -v prlimit >/dev/null || need+=(util-linux)  # usher under a small open-files limit (Cli/DescriptorLimitTests)
  command -v curl >/dev/null || need+=(curl)
  [ -x /usr/lib/dovecot/imap-login ] || need+=(dovecot-imapd)
  command -v stdbuf >/dev/null || need+=(coreutils)
  command -v openssl >/dev/null || need+=(openssl)
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || need+=(mosquitto)
  command -v mosquitto_sub >/dev/null && command -v mosquitto_pub >/dev/null || need+=(mosquitto-clients)
  [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null || need+=(haproxy)
  [ -x /bin/nc.openbsd ] || need+=(netcat-openbsd)  # nc -N: a client that half-closes (HalfClose/)
  command -v redis-server >/dev/null || need+=(redis-server)  # the Redis ledger's tests start their own servers
  command -v redis-sentinel >/dev/null || need+=(redis-sentinel)
  [ -x /usr/bin/chromium ] || need+=(chromium)  # the dashboard's browser tests (Playwright drives Debian's chromium)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing: ${need[*]}"
    if [ "$(id -u)" -ne 0 ]; then echo "test.sh: installing ${need[*]} needs root" >&2; return 1; fi
    # The tests start their own servers on free ports: keep the packages' system services from starting.
    local policy=/usr/sbin/policy-rc.d created=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created=1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    local rc=$?
    [ "$created" = 1 ] && rm -f "$policy"
    [ "$rc" = 0 ] || return 1
  fi
  # Debian's redis-server package may start a server of its own on 6379 (where no policy-rc.d stopped it).
  if pgrep -x redis-server >/dev/null && command -v redis-cli >/dev/null; then redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true; fi
  # Debian's postgresql package starts a cluster of its own; the tests start theirs, so stop it to keep the port free.
  if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
    pg_lsclusters -h | awk '$4=="online"{print $1, $2}' | while read -r v c; do pg_ctlcluster "$v" "$c" stop || true; done
  fi
}

cleanup() {
  # Namespaces and veth pairs of tests that crashed before their own cleanup.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^usher-' || true); do ip netns del "$ns" 2>/dev/null || true; done
  true
}
trap cleanup EXIT

install_peers || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
ulimit -n 20000 2>/dev/null || true

log "dotnet test"
out=$(mktemp)
# One test project at a time (each runs its own tests in parallel): the timing tests measure the gateway, not a
# machine shared with two other suites.
dotnet test Usher.slnx --nologo -m:1 2>&1 | tee "$out"
status=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0
while read -r f p s; do
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done < <(sed -nE 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+), Total.*/\1 \2 \3/p' "$out")
rm -f "$out"
# A build or runner failure that reports no test counts is still a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
