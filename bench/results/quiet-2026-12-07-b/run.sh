#!/bin/bash
# The lead's quiet-machine run, stop 18: base (43f4891) vs after, alternating, plus lists and the floor.
set -u
cd /work/main
OUT=${OUT:-bench/results/quiet-2026-12-07-b}
B=/tmp/qb/bin18
BB=/tmp/qb/base18
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
mkdir -p $OUT $B
go build -o $B/ ./cmd/superplane-server ./cmd/superplane-bench ./bench/busyfloor || exit 1
git rev-parse --short HEAD > $OUT/commit.txt; echo "base 43f4891" >> $OUT/commit.txt; uptime > $OUT/load.txt
for i in 1 2 3; do
  $B/superplane-bench control --server-bin $BB/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-base-sqlite-$i.json > $OUT/busy-base-sqlite-$i.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-after-sqlite-$i.json > $OUT/busy-after-sqlite-$i.txt 2>&1
  $B/superplane-bench control --server-bin /tmp/qb/noprio/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-noprio-sqlite-$i.json > $OUT/busy-noprio-sqlite-$i.txt 2>&1
  $B/superplane-bench control --server-bin $BB/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-base-postgres-$i.json > $OUT/busy-base-postgres-$i.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-after-postgres-$i.json > $OUT/busy-after-postgres-$i.txt 2>&1
  uptime >> $OUT/load.txt
done
$B/superplane-bench floor --floor-bin $B/busyfloor --staged --duration 5s --out $OUT/floor-staged-sqlite.json > $OUT/floor-staged-sqlite.txt 2>&1
$B/superplane-bench floor --floor-bin $B/busyfloor --staged --database-url "$PG" --duration 5s --out $OUT/floor-staged-postgres.json > $OUT/floor-staged-postgres.txt 2>&1
for db in sqlite postgres; do
  U=""; [ $db = postgres ] && U="--database-url $PG"
  $B/superplane-bench control --server-bin $BB/superplane-server $U --phases secrets,lists --skip-growth --duration 5s --out $OUT/lists-base-$db.json > $OUT/lists-base-$db.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server $U --phases secrets,lists --skip-growth --duration 5s --out $OUT/lists-after-$db.json > $OUT/lists-after-$db.txt 2>&1
done
uptime >> $OUT/load.txt
