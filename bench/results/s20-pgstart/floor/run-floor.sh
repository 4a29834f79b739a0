#!/bin/bash
# The floor's latency (round eleven): busyfloor staged and unstaged, on
# PostgreSQL and SQLite, ROUNDS times in turn. Usage: run-floor.sh ROUNDS
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
BENCH=/tmp/s20-pgstart-bench2
FLOOR=${FLOOR:-/tmp/s20-busyfloor}
for i in $(seq 1 "$1"); do
  for db in pg sqlite; do
    for mode in staged unstaged; do
      n=${PREFIX:-}$db-$mode-$i
      args=()
      [ $db = pg ] && args+=(--database-url "$PG")
      [ $mode = staged ] && args+=(--staged)
      uptime > $n.load
      timeout 300 $BENCH floor --floor-bin $FLOOR "${args[@]}" --duration 5s --out $n.json > $n.txt 2>&1
      uptime >> $n.load
    done
  done
done
