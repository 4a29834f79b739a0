#!/bin/bash
# The lead's quiet-machine run, stop 19, second set: the after build first in each pair.
set -u
cd /work/main
OUT=bench/results/quiet-2026-12-07-c/reversed
B=/tmp/qb19/bin; BB=/tmp/qb19/base
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
mkdir -p $OUT; uptime > $OUT/load.txt
run() { local name=$1 bin=$2; shift 2
  $B/superplane-bench control --server-bin $bin "$@" --phases busy --skip-growth --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1; }
for i in 1 2 3; do
  run busy-after-sqlite-$i $B/superplane-server; run busy-base-sqlite-$i $BB/superplane-server
  run busy-after-postgres-$i $B/superplane-server --database-url "$PG"; run busy-base-postgres-$i $BB/superplane-server --database-url "$PG"
  uptime >> $OUT/load.txt
done
