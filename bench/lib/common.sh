# Helpers shared by the bench scripts (sourced, not run): logging, waiting for a port, stopping a process, a free
# port, and a process's CPU time. Messages name the script that sources this file.

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

wait_port() { # port: waits up to 15 s for a listener on it
  local p=$1
  for _ in $(seq 150); do port_listening "$p" && return 0; sleep 0.1; done
  echo "${0##*/}: nothing listens on 127.0.0.1:$p after 15 s" >&2
  return 1
}

stop_pid() { # pid: TERM, then KILL after 5 s; nothing when empty or gone
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# CPU time (utime + stime, clock ticks) of a process, all its threads: fields 14 and 15 of /proc/PID/stat, counted
# after the command name's closing parenthesis (a name may hold spaces).
cpu_ticks() {
  local s; s=$(< "/proc/$1/stat"); s=${s##*") "}
  # shellcheck disable=SC2086 # split into fields on purpose
  set -- $s; echo $(( ${12} + ${13} ))
}
