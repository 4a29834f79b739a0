#!/bin/bash
set -u
OUT=$1; shift
mkdir -p $OUT
B=/tmp/s15/bench
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
log() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*" | tee -a $OUT/run.log; }
for pair in ${PAIRS:-1 2 3}; do
  for v in "$@"; do
    log "postgres $v $pair start"
    timeout 600 $B control --server-bin /tmp/s15/server-$v --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/pg-$v-$pair.json > $OUT/pg-$v-$pair.txt 2>&1
    log "postgres $v $pair end rc=$?"
  done
done
