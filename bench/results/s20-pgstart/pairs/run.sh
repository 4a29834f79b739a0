#!/bin/bash
# PostgreSQL side by side, alternating base (main 05b73fb) and after (this
# branch), the order swapped on even pairs. Usage: run.sh PAIRS PREFIX
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
BENCH=/tmp/s20-pgstart-bench
for i in $(seq 1 "$1"); do
  order="base after"
  if [ $((i % 2)) -eq 0 ]; then order="after base"; fi
  for b in $order; do
    n=$2-$i-$b
    uptime > $n.load
    bin=$b; [ $b = after ] && bin=${AFTER:-after}
    timeout 300 $BENCH control --server-bin /tmp/s20-pgstart-$bin --database-url "$PG" --phases busy --skip-growth --duration 5s --out $n.json > $n.txt 2>&1
    uptime >> $n.load
  done
done
