#!/bin/bash
# Which part of the branch moves the idle probe: base, after, v1 (no enable_seqscan=off), v2 (routing pool, no settings),
# v3 (the statement back on the main pool, text arrays kept), in rotating order.
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
declare -A bin=([base]=/tmp/s24-stmt-base/bin/superplane-server [after]=/tmp/s24-stmt-after/superplane-server
  [v1]=/tmp/s24-v1/superplane-server [v2]=/tmp/s24-v2/superplane-server [v3]=/tmp/s24-v3/superplane-server [v4]=/tmp/s24-v4/superplane-server [v0]=/tmp/s24-v0/superplane-server)
for i in $(seq 1 ${ROUNDS:-2}); do
  order=${ORDER:-"base after v1 v2 v3"}; [ $((i % 2)) -eq 0 ] && order=$(echo $order | tr " " "\n" | tac | tr "\n" " ")
  for v in $order; do
    uptime > $v-$i.load
    timeout 300 /tmp/s24-stmt-after/superplane-bench control --server-bin ${bin[$v]} --database-url "$PG" --phases busy \
      --skip-growth --duration 5s --out $v-$i.json > $v-$i.txt 2>&1
  done
done
