#!/bin/bash
# Side by side, alternating: base (main 7534cc5), after (this branch), and
# optionally noprio (after without the routing writer priority), the busy
# phase at c16 unpaced, plus the staged floor every round.
# usage: pairs.sh OUTDIR ROUNDS "base after [noprio]" [extra control flags]
set -u
OUT=$1; ROUNDS=$2; BINS=$3; shift 3
B=/tmp/s19-bin
declare -A BIN=([base]=/tmp/s19-sqlitebusy-base/superplane-server [after]=$B/server-after [noprio]=$B/server-noprio)
mkdir -p "$OUT"
for i in $(seq 1 "$ROUNDS"); do
  order=$BINS
  if (( i % 2 == 0 )); then order=$(echo $BINS | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for b in $order; do
    echo "$(date +%T) $b $i $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
    timeout 300 $B/superplane-bench control --server-bin "${BIN[$b]}" --phases busy --skip-growth \
      --duration 5s --busy-concurrency 16 "$@" --out "$OUT/busy-$b-$i.json" > "$OUT/busy-$b-$i.txt" 2>&1
  done
  echo "$(date +%T) floor $i $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
  timeout 300 $B/superplane-bench floor --floor-bin $B/busyfloor --staged --duration 5s --concurrency 16 "$@" \
    --out "$OUT/floor-$i.json" > "$OUT/floor-$i.txt" 2>&1
done
