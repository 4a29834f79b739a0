#!/bin/bash
# Round sixteen, second set: main against s25-discard (the held connection, its plans discarded every 2 s).
set -u
OUT=${OUT:-/work/main/bench/results/quiet-2026-12-08/discard}
mkdir -p $OUT
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
SB=/tmp/qb25/main/superplane-bench
declare -A bin=([main]=/tmp/qb25/main [discard]=/tmp/s25-discard-bin)
run() { local name=$1 b=$2 d=$3; shift 3
  SUPERPLANE_BENCH_PROBES=$OUT/$name timeout 300 $SB control --server-bin ${bin[$b]}/superplane-server --database-url "$PG" "$@" --phases busy --skip-growth --duration $d --out $OUT/$name.json > $OUT/$name.txt 2>&1; }
orders=("discard main" "main discard")
for i in $(seq 1 ${LONG:-4}); do
  for v in ${orders[$(( (i-1) % 2 ))]}; do uptime >> $OUT/load.txt; run long-$v-$i $v 30s; done
done
for i in $(seq 1 ${SHORT:-6}); do
  for v in ${orders[$(( (i-1) % 2 ))]}; do uptime >> $OUT/load.txt; run busy-$v-$i $v 5s; done
done
