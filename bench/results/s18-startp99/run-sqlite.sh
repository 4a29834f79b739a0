#!/bin/bash
# SQLite side by side, alternating: base (43f4891) and after (the routing
# transaction that may start an execution takes the claim's write priority),
# both with trace.patch applied (SUPERPLANE_ROUTE_TRACE), so each run also
# gives the split (split.py). Usage: run-sqlite.sh PAIRS PREFIX
set -u
cd "$(dirname "$0")/sq"
BENCH=/tmp/s18-startp99-base/superplane-bench
BASE=/tmp/s18-startp99-trace/superplane-server
AFTER=/tmp/s18-startp99-after-trace/superplane-server
for i in $(seq 1 "$1"); do
  for v in base after; do
    bin=$BASE; [ $v = after ] && bin=$AFTER
    n=$2-$i-$v
    uptime > $n.load
    SUPERPLANE_ROUTE_TRACE=$PWD/$n.jsonl timeout 300 $BENCH control --server-bin $bin --phases busy --skip-growth --duration 5s --out $n.json > $n.txt 2>&1
    uptime >> $n.load
  done
done
