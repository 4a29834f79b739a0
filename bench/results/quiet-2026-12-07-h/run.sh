#!/bin/bash
# Three-way quiet check, stop 24: base 552ac58, s24-yield, s24-stmt, rotating order, PostgreSQL.
set -u
OUT=/work/main/bench/results/quiet-2026-12-07-h
mkdir -p $OUT
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
SB=/tmp/qb24/base/superplane-bench
run() { # name bin args
  local name=$1 bin=$2; shift 2
  timeout 300 $SB control --server-bin $bin --database-url "$PG" "$@" --phases busy --skip-growth --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1
}
orders=("base yield stmt" "yield stmt base" "stmt base yield")
for i in $(seq 1 ${PAIRS:-6}); do
  for v in ${orders[$(( (i-1) % 3 ))]}; do uptime >> $OUT/load.txt; run busy-$v-postgres-$i /tmp/qb24/$v/superplane-server; done
done
for i in $(seq 1 ${RPAIRS:-3}); do
  for v in ${orders[$(( (i-1) % 3 ))]}; do uptime >> $OUT/load.txt; run r600-$v-$i /tmp/qb24/$v/superplane-server --rate 600; done
done
