#!/bin/bash
# The lead's quiet machine, stop 23: s23-pg's pairs at --rate 600 (routing keeps up on average,
# the tail is the bursts), base ee18215 against main after the merges, alternating both orders.
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
declare -A bin=([base]=/tmp/qb23/base [after]=/tmp/qb23/bin)
for i in $(seq 1 ${PAIRS:-8}); do
  order="base after"; [ $((i % 2)) -eq 0 ] && order="after base"
  for b in $order; do
    n=r600-$i-$b
    uptime > $n.load
    timeout 300 /tmp/qb23/bin/superplane-bench control --server-bin ${bin[$b]}/superplane-server --database-url "$PG" \
      --phases busy --skip-growth --duration 5s --rate 600 --out $n.json > $n.txt 2>&1
    uptime >> $n.load
  done
done
