#!/bin/bash
# Whole server on PostgreSQL, base 552ac58 (/tmp/s24-stmt-base/bin) against the branch (/tmp/s24-stmt-after),
# alternating in both orders: unpaced busy c16 (PAIRS, default 6), then --rate 600 (R600, default 3).
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
BENCH=/tmp/s24-stmt-after/superplane-bench
declare -A bin=([base]=/tmp/s24-stmt-base/bin/superplane-server [after]=/tmp/s24-stmt-after/superplane-server)
mkdir -p pairs
run() { # name variant [extra]
  local n=$1 v=$2; shift 2
  uptime > pairs/$n.load
  timeout 300 $BENCH control --server-bin ${bin[$v]} --database-url "$PG" --phases busy --skip-growth --duration 5s "$@" \
    --out pairs/$n.json > pairs/$n.txt 2>&1
  uptime >> pairs/$n.load
}
for i in $(seq ${FIRST:-1} ${PAIRS:-6}); do
  order="base after"; [ $((i % 2)) -eq 0 ] && order="after base"
  for v in $order; do run busy-$i-$v $v; done
done
for i in $(seq ${R600_FIRST:-1} ${R600:-3}); do
  order="base after"; [ $((i % 2)) -eq 0 ] && order="after base"
  for v in $order; do run r600-$i-$v $v --rate 600; done
done
