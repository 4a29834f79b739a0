#!/bin/bash
# Side by side, alternating (the order flips every round): the busy phase
# at c16 unpaced, --duration 5s, one run of each named binary a round.
# usage: pairs.sh OUTDIR ROUNDS "name=BIN name=BIN ..." [extra control flags]
# Instrumented binaries (zz_instr.go, not merged) append their routing
# batch sizes to /tmp/s21-batches-PID.txt; the script moves them into OUTDIR.
set -u
OUT=$1; ROUNDS=$2; BINS=$3; shift 3
BENCH=/tmp/s21-sqlite-base/superplane-bench
mkdir -p "$OUT"
for i in $(seq 1 "$ROUNDS"); do
  order=$BINS
  if (( i % 2 == 0 )); then order=$(echo $BINS | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for nb in $order; do
    b=${nb%%=*}; bin=${nb#*=}
    rm -f /tmp/s21-batches-*.txt
    echo "$(date +%T) $b $i $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
    timeout 300 $BENCH control --server-bin "$bin" --phases busy --skip-growth \
      --duration 5s --busy-concurrency 16 "$@" --out "$OUT/busy-$b-$i.json" > "$OUT/busy-$b-$i.txt" 2>&1
    cat /tmp/s21-batches-*.txt > "$OUT/batches-$b-$i.txt" 2>/dev/null
  done
done
