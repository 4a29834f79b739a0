#!/bin/bash
# One busy run with the probes' stamps dumped and the pending backlog polled
# every 50 ms from a psql session of its own (explain/). Usage: traced.sh NAME SERVER-BIN
set -u
NAME=$1; BIN=$2
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=${BENCH:-/tmp/s24-yield-after/superplane-bench}
(
  # wait for the run's database, then poll it until it is dropped (bounded: 90 s)
  for _ in $(seq 1 300); do
    db=$(psql "$PG" -Atc "select datname from pg_database where datname like 'superplane_bench_%' order by oid desc limit 1")
    [ -n "$db" ] && break; sleep 0.1
  done
  url="postgres://postgres@127.0.0.1:55432/$db?sslmode=disable"
  sleep 1
  printf '%s\n' "select extract(epoch from clock_timestamp()), count(*) from events where state = 'STATE_PENDING'" '\watch 0.05' |
    timeout 60 psql "$url" -At -F $'\t' > "$HERE/$NAME.backlog" 2>/dev/null
) &
poller=$!
uptime > "$HERE/$NAME.load"
SUPERPLANE_BENCH_PROBES="$HERE/$NAME" $BENCH control --server-bin "$BIN" --database-url "$PG" --phases busy --skip-growth --duration 5s --out "$HERE/$NAME.json" > "$HERE/$NAME.txt" 2>&1
uptime >> "$HERE/$NAME.load"
wait $poller
