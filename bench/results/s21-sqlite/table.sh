#!/bin/bash
# One line a run: deliveries/s, server CPU a delivery, stage-free p50/p99,
# mean routing batch (instrumented builds only).
for f in "$1"/busy-*.txt; do
  n=$(basename "$f" .txt)
  d=$(grep "deliveries c16" "$f" | sed -E 's/.*c16 +([0-9.]+)\/s.*cpuUsWithDrain=([0-9.]+).*/\1 \2/')
  p=$(grep "under load, stage free  p50" "$f" | sed -E 's/.*p50 +([0-9.]+)ms +p99 +([0-9.]+)ms.*/\1 \2/')
  b=$(awk '$6>0 && $7>5 {s+=$5; e+=$7} END {if (s) printf "%.1f", s/e*1; }' "${f/busy-/batches-}" 2>/dev/null)
  bm=$(awk '{b+=$3; e+=$5} END {if (b) printf "%.1f", e/b}' "$1/batches-${n#busy-}.txt" 2>/dev/null)
  echo "$n $d | $p | batch $bm"
done
