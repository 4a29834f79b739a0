#!/bin/bash
# SQLite side by side without the trace: base (43f4891) and the dropped
# write-priority change (write-priority.patch), alternating.
# Usage: run-sqlite-plain.sh PAIRS PREFIX
set -u
cd "$(dirname "$0")/sq"
BENCH=/tmp/s18-startp99-base/superplane-bench
BASE=/tmp/s18-startp99-base/superplane-server
AFTER=/tmp/s18-startp99-after/superplane-server
for i in $(seq 1 "$1"); do
  for v in base after; do
    bin=$BASE; [ $v = after ] && bin=$AFTER
    n=$2-$i-$v
    uptime > $n.load
    timeout 300 $BENCH control --server-bin $bin --phases busy --skip-growth --duration 5s --out $n.json > $n.txt 2>&1
    uptime >> $n.load
  done
done
