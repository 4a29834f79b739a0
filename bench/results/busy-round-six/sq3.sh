#!/bin/bash
set -u
OUT=$1; shift
mkdir -p $OUT
B=/tmp/s15/bench
log() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*" | tee -a $OUT/run.log; }
for pair in ${PAIRS:-1 2 3}; do
  for v in "$@"; do
    log "sqlite $v $pair start"
    timeout 600 $B control --server-bin /tmp/s15/server-$v --phases busy --skip-growth --duration 5s --out $OUT/sq-$v-$pair.json > $OUT/sq-$v-$pair.txt 2>&1
    log "sqlite $v $pair end rc=$?"
  done
done
log "floor staged sqlite start"
timeout 600 $B floor --floor-bin /tmp/s15/busyfloor --staged --duration 5s --out $OUT/floor-staged-sqlite.json > $OUT/floor-staged-sqlite.txt 2>&1
log "floor staged sqlite end rc=$?"
