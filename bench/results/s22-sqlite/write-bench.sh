#!/bin/bash
# BenchmarkBusyCanvasReceiveWhileRouting (store, SQLite, SoleServer), the
# base's and the branch's test binaries alternating, the order flipping
# every round. usage: write-bench.sh ROUNDS > write-bench.txt
set -u
for i in $(seq 1 "$1"); do
  order="base=/tmp/s22-sqlite-base/store.test after=/tmp/s22-after/store.test"
  if (( i % 2 == 0 )); then order="after=/tmp/s22-after/store.test base=/tmp/s22-sqlite-base/store.test"; fi
  for nb in $order; do
    echo "== $(date +%T) ${nb%%=*} $i load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd /tmp && timeout 120 "${nb#*=}" -test.run '^$' -test.bench 'BusyCanvasReceiveWhileRouting' -test.benchtime 30x 2>&1 | grep Benchmark)
  done
done
