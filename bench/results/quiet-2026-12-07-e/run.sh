#!/bin/bash
# The lead's quiet-machine run, stop 21: base (0d99045) vs after, alternating both orders, plus lists and the floor.
set -u
cd /work/main
OUT=${OUT:-bench/results/quiet-2026-12-07-e}
B=/tmp/qb21/bin
BB=/tmp/qb21/base
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
mkdir -p $OUT
echo ${AFTER:-?} > $OUT/commit.txt; echo "base 0d99045" >> $OUT/commit.txt; uptime > $OUT/load.txt
run() { # name server [db-url]
  local name=$1 bin=$2; shift 2
  $B/superplane-bench control --server-bin $bin "$@" --phases busy --skip-growth --duration 5s --out $OUT/$name.json > $OUT/$name.txt 2>&1
}
for i in 1 2 3; do
  if [ $((i % 2)) = 1 ]; then
    run busy-base-sqlite-$i $BB/superplane-server; run busy-after-sqlite-$i $B/superplane-server
    run busy-base-postgres-$i $BB/superplane-server --database-url "$PG"; run busy-after-postgres-$i $B/superplane-server --database-url "$PG"
  else
    run busy-after-sqlite-$i $B/superplane-server; run busy-base-sqlite-$i $BB/superplane-server
    run busy-after-postgres-$i $B/superplane-server --database-url "$PG"; run busy-base-postgres-$i $BB/superplane-server --database-url "$PG"
  fi
  uptime >> $OUT/load.txt
done
$B/superplane-bench floor --floor-bin $B/busyfloor --staged --duration 5s --out $OUT/floor-staged-sqlite.json > $OUT/floor-staged-sqlite.txt 2>&1
$B/superplane-bench floor --floor-bin $B/busyfloor --staged --database-url "$PG" --duration 5s --out $OUT/floor-staged-postgres.json > $OUT/floor-staged-postgres.txt 2>&1
for db in sqlite postgres; do
  U=""; [ $db = postgres ] && U="--database-url $PG"
  $B/superplane-bench control --server-bin $BB/superplane-server $U --phases secrets,lists --skip-growth --duration 5s --out $OUT/lists-base-$db.json > $OUT/lists-base-$db.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server $U --phases secrets,lists --skip-growth --duration 5s --out $OUT/lists-after-$db.json > $OUT/lists-after-$db.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server $U --phases lists --skip-growth --duration 5s --out $OUT/lists-after2-$db.json > $OUT/lists-after2-$db.txt 2>&1
  $B/superplane-bench control --server-bin $BB/superplane-server $U --phases lists --skip-growth --duration 5s --out $OUT/lists-base2-$db.json > $OUT/lists-base2-$db.txt 2>&1
done
uptime >> $OUT/load.txt
for db in sqlite postgres; do
  U=""; [ $db = postgres ] && U="--database-url $PG"
  $B/superplane-bench floor --floor-bin $B/busyfloor $U --duration 5s --out $OUT/floor-unstaged-$db.json > $OUT/floor-unstaged-$db.txt 2>&1
done
$B/superplane-bench coldstart --server-bin $B/superplane-server --events 100000 --starts 5 --out $OUT/coldstart-after.json > $OUT/coldstart-after.txt 2>&1
$B/superplane-bench coldstart --server-bin $BB/superplane-server --events 100000 --starts 5 --out $OUT/coldstart-base.json > $OUT/coldstart-base.txt 2>&1
uptime >> $OUT/load.txt
