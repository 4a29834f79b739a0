#!/bin/bash
# Side by side, alternating (the order flips every round): the busy phase
# at c16 unpaced, --duration 5s, one run of each named binary a round,
# then the staged floor in the same minutes.
# usage: pairs.sh OUTDIR ROUNDS "name=BIN name=BIN ..." [extra control flags]
set -u
OUT=$1; ROUNDS=$2; BINS=$3; shift 3
BENCH=/tmp/s22-sqlite-base/superplane-bench
FLOOR=/tmp/s22-sqlite-base/busyfloor
mkdir -p "$OUT"
for i in $(seq 1 "$ROUNDS"); do
  order=$BINS
  if (( i % 2 == 0 )); then order=$(echo $BINS | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for nb in $order; do
    b=${nb%%=*}; bin=${nb#*=}
    echo "$(date +%T) $b $i $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
    timeout 300 $BENCH control --server-bin "$bin" --phases busy --skip-growth \
      --duration 5s --busy-concurrency 16 "$@" --out "$OUT/busy-$b-$i.json" > "$OUT/busy-$b-$i.txt" 2>&1
  done
  echo "$(date +%T) floor $i $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
  timeout 300 $BENCH floor --floor-bin "$FLOOR" --staged --concurrency 16 --duration 5s \
    --out "$OUT/floor-$i.json" > "$OUT/floor-$i.txt" 2>&1
done
