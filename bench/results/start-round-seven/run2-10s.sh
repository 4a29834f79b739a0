#!/bin/bash
# usage: run2.sh PREFIX PAIRS DB...   Side by side, before and after alternately.
cd /tmp/s16-start/r7
prefix=$1; pairs=$2; shift 2
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for db in "$@"; do
  for pair in $(seq 1 $pairs); do
    for v in before after; do
      args=()
      [ $db = postgres ] && args=(--database-url "$PG")
      echo "== $prefix $db $v pair $pair $(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)" >> run.log
      timeout 600 /tmp/s16-start/bench control --server-bin /tmp/s16-start/server-$v "${args[@]}" --phases busy --skip-growth --duration 10s \
        --out $prefix-$db-$v-$pair.json > $prefix-$db-$v-$pair.log 2>&1
      echo "rc=$?" >> run.log
    done
  done
done
