#!/usr/bin/env bash
# Connection per transaction (pgbench -C), as a connection pool recycles its connections: a role that never holds
# more sessions than its limit must never be refused. Runs Debian's pgbench -n -C -S for DURATION seconds (default 10)
# against a local PostgreSQL started here on loopback: through Usher (Identity PostgresUser, MaxSessionsPerIdentity 3,
# role r1 limited to 1; ClosingWait at its default 1 s, and at 0 to show what it fixes), and directly against
# PostgreSQL's own ALTER ROLE ... CONNECTION LIMIT. Prints aborted clients, transactions and Usher's refusals (event
# 9646) side by side; writes bench/results/<UTC>-pgbench-c.md. Needs root (PostgreSQL runs as the postgres user).
#   bench/pgbench-c.sh            DURATION=10
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
PG_PORT=29210 USHER_PORT=29211 USHER_NOWAIT_PORT=29212
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/usher-pgbench-c.XXXXXX)
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -d "$WORK/data" ] && su postgres -s /bin/sh -c "$BIN/pg_ctl -D $WORK/data -m immediate stop" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

chown postgres:postgres "$WORK"
su postgres -s /bin/sh -c "$BIN/initdb -D $WORK/data -U postgres --auth=trust -E UTF8 --locale=C --no-sync" >/dev/null
su postgres -s /bin/sh -c "$BIN/pg_ctl -D $WORK/data -l $WORK/pg.log -w -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK -c fsync=off -c max_connections=50' start" >/dev/null
psql() { "$BIN/psql" -X -w -q -h 127.0.0.1 -p $PG_PORT -U postgres "$@"; }
psql -d postgres -c "create database bench"
"$BIN/pgbench" -i -s 1 -q -h 127.0.0.1 -p $PG_PORT -U postgres bench >/dev/null 2>&1
# r3 / r1: counted by Usher. pg3 / pg1: counted by PostgreSQL itself.
psql -d bench -c "create role r3 login; create role r1 login; create role pg3 login connection limit 3; create role pg1 login connection limit 1;
  grant select on all tables in schema public to r3, r1, pg3, pg1"

dotnet build -c Release "$ROOT/src/Usher" -nologo -v q -clp:ErrorsOnly >/dev/null
cat > "$WORK/usher.json" <<JSON
{ "Usher": { "Defaults": { "Identity": "PostgresUser", "MaxSessionsPerIdentity": 3, "Overrides": { "r1": 1 } },
  "Listeners": [
    { "Name": "pg", "Listen": "127.0.0.1:$USHER_PORT", "Backend": "127.0.0.1:$PG_PORT" },
    { "Name": "pg-nowait", "Listen": "127.0.0.1:$USHER_NOWAIT_PORT", "Backend": "127.0.0.1:$PG_PORT", "ClosingWait": "00:00:00" } ] } }
JSON
"$ROOT/src/Usher/bin/Release/net10.0/usher" run --config "$WORK/usher.json" --log-level Warning > "$WORK/usher.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do ss -Hltn "sport = :$USHER_NOWAIT_PORT" | grep -q . && break; sleep 0.1; done

# One run: prints "aborted transactions" for pgbench -C -S -c CLIENTS as ROLE through PORT.
run() {
  local port=$1 role=$2 clients=$3 out
  out=$(timeout $((DURATION + 60)) "$BIN/pgbench" -n -C -S -c "$clients" -T "$DURATION" -h 127.0.0.1 -p "$port" -U "$role" bench 2>&1 || true)
  printf '%s\t%s\n' "$(grep -Ec 'client [0-9]+ aborted' <<<"$out" || true)" "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out" | head -1)"
}
refusals() { grep -c "\[9646\].*listener \"$1\"" "$WORK/usher.log" || true; }

{
  echo "# pgbench -C (a connection per transaction), $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(uname -r), $(dotnet --version), $("$BIN/pgbench" --version). pgbench -n -C -S -T $DURATION."
  echo "Usher: Identity PostgresUser, MaxSessionsPerIdentity 3 (r1: 1); \"pg\" with ClosingWait at its default (1 s),"
  echo "\"pg-nowait\" with ClosingWait 0 (refused at once, as before ClosingWait). PostgreSQL: ALTER ROLE ... CONNECTION LIMIT."
  echo
  echo "| run | role limit | clients | aborted clients | transactions | Usher 9646 lines |"
  echo "|---|---|---|---|---|---|"
  before=$(refusals pg)
  IFS=$'\t' read -r a t < <(run $USHER_PORT r3 2); echo "| Usher, ClosingWait 1 s | 3 | 2 | $a | $t | $(( $(refusals pg) - before )) |"
  before=$(refusals pg)
  IFS=$'\t' read -r a t < <(run $USHER_PORT r1 1); echo "| Usher, ClosingWait 1 s | 1 | 1 | $a | $t | $(( $(refusals pg) - before )) |"
  IFS=$'\t' read -r a t < <(run $PG_PORT pg3 2); echo "| PostgreSQL CONNECTION LIMIT | 3 | 2 | $a | $t | n/a |"
  IFS=$'\t' read -r a t < <(run $PG_PORT pg1 1); echo "| PostgreSQL CONNECTION LIMIT | 1 | 1 | $a | $t | n/a |"
  before=$(refusals pg-nowait)
  IFS=$'\t' read -r a t < <(run $USHER_NOWAIT_PORT r3 2); echo "| Usher, ClosingWait 0 | 3 | 2 | $a | $t | $(( $(refusals pg-nowait) - before )) |"
  echo
  echo "An aborted client ends its pgbench run: pgbench stops that client at its first refused connection. Usher's 9646"
  echo "lines are folded per identity (the first refusal, then a count per interval)."
} | tee "$WORK/result.md"
mkdir -p "$ROOT/bench/results"
cp "$WORK/result.md" "$ROOT/bench/results/$STAMP-pgbench-c.md"
