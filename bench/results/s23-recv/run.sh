#!/bin/bash
# s23-recv: base (ee18215) against after, alternating which runs first, PostgreSQL with its staged
# floor in each pair, then SQLite. Usage: OUT=dir AFTER=bin PAIRS=n SQPAIRS=n run.sh
set -u
cd /work/wt/s23-recv
OUT=${OUT:-bench/results/s23-recv/pairs}
B=/tmp/s23-recv-base/bin
BASE=$B/superplane-server
AFTER=${AFTER:-/tmp/s23-recv-after/superplane-server}
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
PAIRS=${PAIRS:-6}
SQPAIRS=${SQPAIRS:-3}
FIRST=${FIRST:-1}
mkdir -p $OUT
uptime >> $OUT/load.txt
run() { # name server [db-url]
  local name=$1 bin=$2; shift 2
  timeout 300 $B/superplane-bench control --server-bin $bin "$@" --phases busy --skip-growth --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1
}
floor() { # name [db-url]
  local name=$1; shift
  timeout 300 $B/superplane-bench floor --floor-bin $B/busyfloor --staged "$@" --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1
}
for i in $(seq $FIRST $((FIRST + PAIRS - 1))); do
  if [ $((i % 2)) = 1 ]; then
    run busy-base-postgres-$i $BASE --database-url "$PG"; run busy-after-postgres-$i $AFTER --database-url "$PG"; floor floor-staged-postgres-$i --database-url "$PG"
  else
    floor floor-staged-postgres-$i --database-url "$PG"; run busy-after-postgres-$i $AFTER --database-url "$PG"; run busy-base-postgres-$i $BASE --database-url "$PG"
  fi
  echo "pg pair $i $(uptime)" >> $OUT/load.txt
done
for i in $(seq $FIRST $((FIRST + SQPAIRS - 1))); do
  if [ $((i % 2)) = 1 ]; then
    run busy-base-sqlite-$i $BASE; run busy-after-sqlite-$i $AFTER
  else
    run busy-after-sqlite-$i $AFTER; run busy-base-sqlite-$i $BASE
  fi
  echo "sqlite pair $i $(uptime)" >> $OUT/load.txt
done
