#!/bin/bash
# The lead's quiet-machine run, stop 23: base (ee18215) vs after, alternating both orders,
# with the staged floor of each database in every pair (the machine's speed that minute).
set -u
cd /work/main
OUT=${OUT:-bench/results/quiet-2026-12-07-g}
B=/tmp/qb23/bin
BB=/tmp/qb23/base
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
PAIRS=${PAIRS:-5}
FIRST=${FIRST:-1}
mkdir -p $OUT
[ -f $OUT/commit.txt ] || { echo ${AFTER:-?} > $OUT/commit.txt; echo "base ee18215" >> $OUT/commit.txt; }
uptime >> $OUT/load.txt
run() { # name server [db-url]
  local name=$1 bin=$2; shift 2
  $B/superplane-bench control --server-bin $bin "$@" --phases busy --skip-growth --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1
}
floor() { # name [db-url]
  local name=$1; shift
  $B/superplane-bench floor --floor-bin $B/busyfloor --staged "$@" --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1
}
for i in $(seq $FIRST $((FIRST + PAIRS - 1))); do
  if [ $((i % 2)) = 1 ]; then
    run busy-base-sqlite-$i $BB/superplane-server; run busy-after-sqlite-$i $B/superplane-server; floor floor-staged-sqlite-$i
    run busy-base-postgres-$i $BB/superplane-server --database-url "$PG"; run busy-after-postgres-$i $B/superplane-server --database-url "$PG"; floor floor-staged-postgres-$i --database-url "$PG"
  else
    floor floor-staged-sqlite-$i; run busy-after-sqlite-$i $B/superplane-server; run busy-base-sqlite-$i $BB/superplane-server
    floor floor-staged-postgres-$i --database-url "$PG"; run busy-after-postgres-$i $B/superplane-server --database-url "$PG"; run busy-base-postgres-$i $BB/superplane-server --database-url "$PG"
  fi
  uptime >> $OUT/load.txt
done
