#!/bin/sh
# Side by side, alternately: before (/work/main HEAD), after (this branch), and
# after with one routing worker (SUPERPLANE_ROUTE_WORKERS=1).
cd /tmp/s17-sqlite
tag=$1; pairs=${2:-3}
for i in $(seq 1 $pairs); do
  for v in before after after-w1; do
    bin=$v; env=""
    if [ $v = after-w1 ]; then bin=after; env="SUPERPLANE_ROUTE_WORKERS=1"; fi
    env $env ./bench control --server-bin /tmp/s17-sqlite/$bin --phases busy --skip-growth --duration 5s --out res/$tag-$v-$i.json > res/$tag-$v-$i.log 2>&1
  done
done
