#!/bin/sh
cd /tmp/s16-pgroute
v() { # label variant db
  case $2 in
    before) ./run1.sh $1 ./before-server $3;;
    w1) SUPERPLANE_ROUTE_WORKERS=1 ./run1.sh $1 ./c-server $3;;
    w2) SUPERPLANE_ROUTE_WORKERS=2 ./run1.sh $1 ./c-server $3;;
  esac
}
for i in 1 2; do for x in w1 before w2; do v r6-sqlite-$x-$i $x sqlite; done; done
for x in w1 w2 before; do v r6-pg-$x-1 $x pg; done
for x in w2 before w1; do v r6-pg-$x-2 $x pg; done
echo done
