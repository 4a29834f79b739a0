#!/bin/bash
# The lead's quiet-machine run, stop 21: three more busy pairs, base (0d99045) vs after, alternating both orders.
set -u
cd /work/main
OUT=${OUT:-bench/results/quiet-2026-12-07-e}
B=/tmp/qb21/bin
BB=/tmp/qb21/base
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
mkdir -p $OUT
run() { # name server [db-url]
  local name=$1 bin=$2; shift 2
  $B/superplane-bench control --server-bin $bin "$@" --phases busy --skip-growth --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1
}
for i in 4 5 6; do
  if [ $((i % 2)) = 0 ]; then
    run busy-base-sqlite-$i $BB/superplane-server; run busy-after-sqlite-$i $B/superplane-server
    run busy-base-postgres-$i $BB/superplane-server --database-url "$PG"; run busy-after-postgres-$i $B/superplane-server --database-url "$PG"
  else
    run busy-after-sqlite-$i $B/superplane-server; run busy-base-sqlite-$i $BB/superplane-server
    run busy-after-postgres-$i $B/superplane-server --database-url "$PG"; run busy-base-postgres-$i $BB/superplane-server --database-url "$PG"
  fi
  uptime >> $OUT/load.txt
done
