#!/bin/sh
# usage: sbs3.sh TAG DB ROUNDS : before, after with 1 worker, after with 2 workers, alternately
cd /tmp/s16-pgroute
for i in $(seq 1 $3); do
  ./run1.sh $1-$2-before-$i /tmp/s16-pgroute/before-server $2
  SUPERPLANE_ROUTE_WORKERS=1 ./run1.sh $1-$2-w1-$i /tmp/s16-pgroute/c-server $2
  SUPERPLANE_ROUTE_WORKERS=2 ./run1.sh $1-$2-w2-$i /tmp/s16-pgroute/c-server $2
done
