#!/bin/bash
# PostgreSQL side by side, alternating base (main 7534cc5) and after (this
# branch), each pair's order swapped on even pairs. Usage: run.sh PAIRS PREFIX
# AFTER (default "after") names the after binary, /tmp/s19-pgstart-$AFTER.
set -u
cd "$(dirname "$0")/runs"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
BENCH=/tmp/s19-pgstart-bench
for i in $(seq 1 "$1"); do
  A=${AFTER:-after}
  order="base $A"
  if [ $((i % 2)) -eq 0 ]; then order="$A base"; fi
  for b in $order; do
    n=$2-$i-$b
    uptime > $n.load
    timeout 300 $BENCH control --server-bin /tmp/s19-pgstart-$b --database-url "$PG" --phases busy --skip-growth --duration 5s --out $n.json > $n.txt 2>&1
    uptime >> $n.load
  done
done
