#!/bin/bash
# Side by side, alternating: the busy phase of before (main 43f4891) and
# after (this branch), three pairs. Load is written before each run.
set -u
out=$(dirname "$0")
for i in 1 2 3; do
  for which in base after; do
    echo "pair $i $which $(date -u +%T) $(uptime)" >> "$out/load.txt"
    timeout 300 /tmp/s18-leftovers-$which/superplane-bench control --server-bin /tmp/s18-leftovers-$which/superplane-server \
      --phases busy --skip-growth --duration 5s --out "$out/busy-$which-$i.json" > "$out/busy-$which-$i.txt" 2>&1
  done
done
echo "done $(date -u +%T) $(uptime)" >> "$out/load.txt"
