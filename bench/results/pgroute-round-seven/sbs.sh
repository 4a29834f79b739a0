#!/bin/sh
# side by side: before and after alternately, two pairs per database
# usage: sbs.sh TAG AFTERBIN
cd /tmp/s16-pgroute
for db in pg sqlite; do
  for i in 1 2; do
    ./run1.sh $1-$db-before-$i /tmp/s16-pgroute/before-server $db
    ./run1.sh $1-$db-after-$i $2 $db
  done
done
