#!/bin/sh
# Upgrades a running usher.service to a new binary without refusing a connection, in two take-overs:
#   1. a bridge (a transient unit running the new binary) takes the listening sockets over from the service's
#      process, which then drains its sessions and stops;
#   2. the service starts again (the new binary) and takes the sockets over from the bridge, which drains and stops.
# Each take-over shares the accept queues (`usher run --take-over PID`, pidfd_getfd), so no connect meets a closed
# port. The sessions of the old process end as their clients leave, or at ShutdownGrace.
# Usage: usher-upgrade.sh NEW-USHER-BINARY        (as root)
# Where kernel.yama.ptrace_scope is 1 or more, pidfd_getfd needs CAP_SYS_PTRACE: see README, Install, Upgrades.
set -eu
new=${1:?usage: usher-upgrade.sh NEW-USHER-BINARY}
unit=usher.service
bridge=usher-bridge
bin=/usr/local/bin/usher
config=/etc/usher/usher.json

main_pid() { systemctl show -p MainPID --value "$1"; }

# Waits (60 s at most) for a unit's log to say its listeners accept: event 9640 ListenerStarted.
wait_started() {
  since=$2
  for _ in $(seq 60); do
    if journalctl -u "$1" --since "$since" -o cat | grep -q '"EventId":9640'; then return 0; fi
    sleep 1
  done
  echo "usher-upgrade: $1 did not start listening within 60 s; see journalctl -u $1" >&2
  exit 1
}

old=$(main_pid "$unit")
[ "${old:-0}" -gt 0 ] || { echo "usher-upgrade: $unit is not running" >&2; exit 1; }
"$new" check --config "$config" >/dev/null

# The running process keeps the file it was started from; the path now names the new one.
install -m 755 "$new" "$bin.new" && mv -f "$bin.new" "$bin"

since=$(date '+%Y-%m-%d %H:%M:%S')
systemd-run --unit="$bridge" --property=User=usher --property=Group=usher --property=LimitNOFILE=16384 \
  "$bin" run --config "$config" --log-format json --take-over "$old"
wait_started "$bridge" "$since"
systemctl stop "$unit"          # SIGTERM: the old process stops accepting and drains

since=$(date '+%Y-%m-%d %H:%M:%S')
systemctl set-environment USHER_TAKE_OVER="--take-over $(main_pid "$bridge")"
systemctl start "$unit"
systemctl unset-environment USHER_TAKE_OVER
wait_started "$unit" "$since"
systemctl stop "$bridge"        # the bridge drains too
echo "usher-upgrade: $unit runs $("$bin" --version)"
