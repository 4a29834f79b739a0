#!/bin/bash
# tab21.sh DIR: one row per busy run: c16/s, cpu, routed/s, stage-free p50/p99, accepted->routed (under load, stage free) p99, load
cd $1
for f in busy-*.txt; do
  c16=$(grep "deliveries c16" $f | sed -E 's/.*c16 +([0-9.]+)\/s.*server +([0-9]+)us.*routedPerSecond=([0-9.]+).*\[load ([0-9.]+).*/\1 \2 \3 \4/')
  sf=$(grep "delivery to execution start, under load, stage free" $f | sed -E 's/.*p50 +([0-9.]+)ms +p99 +([0-9.]+)ms.*/\1 \2/')
  ar=$(grep "under load, stage free: accepted to routed" $f | sed -E 's/.*p99 +([0-9.]+)ms.*/\1/')
  echo "$f $c16 | sf $sf | a2r99 $ar"
done
