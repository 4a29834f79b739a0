#!/bin/bash
# One line a run of pairs.sh's output directory: deliveries/s at server CPU
# a delivery, stage-free delivery → start p50 / p99, in run order.
D=$1
while read -r t b i l1 l2 l3; do
  if [ "$b" = floor ]; then f=$D/floor-$i.txt; else f=$D/busy-$b-$i.txt; fi
  rate=$(grep -E 'deliveries c16' "$f" | grep -oE '[0-9.]+/s' | head -1)
  cpu=$(grep -E 'deliveries c16' "$f" | grep -oE 'server +[0-9.]+us' | grep -oE '[0-9.]+')
  st=$(grep 'start, under load, stage free' "$f" | grep -oE 'p50 +[0-9.]+ms +p99 +[0-9.]+ms' | tr -s ' ')
  echo "$t $b $i load $l1: $rate at $cpu us; stage free $st"
done < "$D/load.txt"
