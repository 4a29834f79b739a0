#!/bin/bash
# usage: run3.sh PREFIX ROUNDS DB VARIANT...   Variants in turn, ROUNDS times.
cd /tmp/s16-start/r7
prefix=$1; rounds=$2; db=$3; shift 3
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for r in $(seq 1 $rounds); do
  for v in "$@"; do
    args=()
    [ $db = postgres ] && args=(--database-url "$PG")
    echo "== $prefix $db $v round $r $(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)" >> run.log
    timeout 600 /tmp/s16-start/bench control --server-bin /tmp/s16-start/server-$v "${args[@]}" --phases busy --skip-growth --duration 5s \
      --out $prefix-$db-$v-$r.json > $prefix-$db-$v-$r.log 2>&1
    echo "rc=$?" >> run.log
  done
done
