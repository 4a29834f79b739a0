#!/bin/bash
# Side by side, alternating base (main 0d99045, /tmp/s21-pg-base) and after
# (this branch, /tmp/s21-pg-after), the order swapped every other pair.
# Usage: run.sh PAIRS PREFIX [extra bench flags...]; env DB=sqlite for SQLite.
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
pairs=$1 prefix=$2; shift 2
dbflag=(--database-url "$PG")
[ "${DB:-postgres}" = sqlite ] && dbflag=()
for i in $(seq 1 "$pairs"); do
  order="base after"
  if [ $((i % 2)) -eq 0 ]; then order="after base"; fi
  for b in $order; do
    B=$b; [ $b = after ] && B=${AFTER:-after}
    n=$prefix-$i-$b
    uptime > $n.load
    timeout 300 /tmp/s21-pg-bench control --server-bin /tmp/s21-pg-$B "${dbflag[@]}" --phases busy --skip-growth --duration 5s --out $n.json "$@" > $n.txt 2>&1
    uptime >> $n.load
  done
done
