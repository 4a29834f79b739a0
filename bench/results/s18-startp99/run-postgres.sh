#!/bin/bash
# PostgreSQL side by side, alternating: base (43f4891, trace.patch applied)
# with its two routing workers and with three (SUPERPLANE_ROUTE_WORKERS=3).
# The write priority of the SQLite change does nothing on PostgreSQL, so
# base is also "after" there. Usage: run-postgres.sh PAIRS PREFIX
set -u
cd "$(dirname "$0")/pg"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
BENCH=/tmp/s18-startp99-base/superplane-bench
BIN=/tmp/s18-startp99-trace/superplane-server
for i in $(seq 1 "$1"); do
  for w in 2 3; do
    n=$2-$i-w$w
    uptime > $n.load
    SUPERPLANE_ROUTE_WORKERS=$w SUPERPLANE_ROUTE_TRACE=$PWD/$n.jsonl timeout 300 $BENCH control --server-bin $BIN --database-url "$PG" --phases busy --skip-growth --duration 5s --out $n.json > $n.txt 2>&1
    uptime >> $n.load
  done
done
