#!/bin/bash
set -u
cd /work/main
OUT=bench/results/quiet-2026-12-07-b/reversed
B=/tmp/qb/bin18; BB=/tmp/qb/base18
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
mkdir -p $OUT; uptime > $OUT/load.txt
for i in 1 2; do
  $B/superplane-bench control --server-bin /tmp/qb/noprio/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-noprio-sqlite-$i.json > $OUT/busy-noprio-sqlite-$i.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-after-sqlite-$i.json > $OUT/busy-after-sqlite-$i.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-after-postgres-$i.json > $OUT/busy-after-postgres-$i.txt 2>&1
  $B/superplane-bench control --server-bin $BB/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-base-postgres-$i.json > $OUT/busy-base-postgres-$i.txt 2>&1
  uptime >> $OUT/load.txt
done
