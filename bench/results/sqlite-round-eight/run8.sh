#!/bin/sh
# Round eight, SQLite: the staged floor once, then before (/work/main HEAD,
# /tmp/s17-sqlite/before) and after (this branch) alternately, three pairs.
cd /tmp/s17-sqlite
tag=$1
./bench floor --floor-bin /tmp/s17-sqlite/busyfloor --staged --duration 5s --out res/$tag-floor.json > res/$tag-floor.log 2>&1
for i in 1 2 3; do
  for b in before after; do
    ./bench control --server-bin /tmp/s17-sqlite/$b --phases busy --skip-growth --duration 5s --out res/$tag-$b-$i.json > res/$tag-$b-$i.log 2>&1
  done
done
