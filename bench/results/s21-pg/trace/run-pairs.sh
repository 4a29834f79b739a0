#!/bin/bash
# Traced pairs (trace.patch of round nine on each build), alternating
# base-trace and after-trace, the order swapped every other pair.
# Usage: run-pairs.sh PAIRS PREFIX [extra bench flags...]
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
pairs=$1 prefix=$2; shift 2
for i in $(seq 1 "$pairs"); do
  order="base after"
  if [ $((i % 2)) -eq 0 ]; then order="after base"; fi
  for b in $order; do
    B=$b; [ $b = after ] && B=${AFTER:-after}
    n=$prefix-$i-$b
    uptime > $n.load
    SUPERPLANE_ROUTE_TRACE=$PWD/$n.jsonl timeout 300 /tmp/s21-pg-bench control --server-bin /tmp/s21-pg-$B-trace --database-url "$PG" --phases busy --skip-growth --duration 5s --out $n.json "$@" > $n.txt 2>&1
    uptime >> $n.load
  done
done
