#!/bin/bash
# Side by side: before (main e94b6af) and after (s15-route), alternately.
set -u
OUT=${OUT:-/work/wt/s15-route/bench/results/busy-round-six/final}
B=/tmp/s15/bench
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
log() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*" | tee -a $OUT/run.log; }
for pair in 1 2; do
  for v in before after; do
    log "sqlite $v $pair start"
    timeout 600 $B control --server-bin /tmp/s15/server-$v --phases busy --skip-growth --duration 5s --out $OUT/sq-$v-$pair.json > $OUT/sq-$v-$pair.txt 2>&1
    log "sqlite $v $pair end rc=$?"
  done
done
log "floor staged sqlite start"
timeout 600 $B floor --floor-bin /tmp/s15/busyfloor --staged --duration 5s --out $OUT/floor-staged-sqlite.json > $OUT/floor-staged-sqlite.txt 2>&1
log "floor staged sqlite end rc=$?"
for pair in 1 2; do
  for v in before after; do
    log "postgres $v $pair start"
    timeout 600 $B control --server-bin /tmp/s15/server-$v --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/pg-$v-$pair.json > $OUT/pg-$v-$pair.txt 2>&1
    log "postgres $v $pair end rc=$?"
  done
done
log "floor staged postgres start"
timeout 600 $B floor --floor-bin /tmp/s15/busyfloor --staged --database-url "$PG" --duration 5s --out $OUT/floor-staged-postgres.json > $OUT/floor-staged-postgres.txt 2>&1
log "floor staged postgres end rc=$?"
