#!/bin/bash
# Stop 24's second quiet set: base 552ac58, yield (338114c), after (main with the warm pool), rotating.
set -u
OUT=/work/main/bench/results/quiet-2026-12-07-h/set2
mkdir -p $OUT
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
SB=/tmp/qb24/base/superplane-bench
declare -A bin=([base]=/tmp/qb24/base [yield]=/tmp/qb24/yield [after]=/tmp/qb24/bin)
run() { local name=$1 b=$2; shift 2
  timeout 300 $SB control --server-bin ${bin[$b]}/superplane-server --database-url "$PG" "$@" --phases busy --skip-growth --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1; }
orders=("base yield after" "yield after base" "after base yield")
for i in $(seq ${FIRST:-1} ${LAST:-5}); do
  for v in ${orders[$(( (i-1) % 3 ))]}; do uptime >> $OUT/load.txt; run busy-$v-postgres-$i $v; done
done
[ -n "${NOR600:-}" ] || for i in 1 2; do for v in ${orders[$(( (i-1) % 3 ))]}; do uptime >> $OUT/load.txt; run r600-$v-$i $v --rate 600; done; done
