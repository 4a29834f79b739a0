#!/bin/bash
# Whole server, SQLite busy canvas, base and after alternately (round nine,
# s18-sqlitepick). usage: server.sh PREFIX PAIRS
set -u
OUT=/work/wt/s18-sqlitepick/bench/results/s18-sqlitepick
BENCH=/tmp/s18-sqlitepick-after/superplane-bench
prefix=$1; pairs=$2
for i in $(seq 1 "$pairs"); do
  for v in base after; do
    [ $((i % 2)) = 0 ] && { [ $v = base ] && v=after || v=base; }
    timeout 300 $BENCH control --server-bin /tmp/s18-sqlitepick-$v/server --phases busy --skip-growth --duration 5s \
      --out $OUT/$prefix-$v-$i.json > $OUT/$prefix-$v-$i.txt 2>&1
  done
done
timeout 300 $BENCH floor --floor-bin /tmp/s18-sqlitepick-base/busyfloor --staged --duration 5s \
  --out $OUT/$prefix-floor-staged.json > $OUT/$prefix-floor-staged.txt 2>&1
