#!/bin/bash
# The busy phase paced at RATE deliveries/s (c16, --duration 10s), base and
# after alternating (order flips every round), each server profiled
# (SUPERPLANE_CPUPROFILE): CPU a delivery at the same offered work.
# usage: paced.sh OUTDIR ROUNDS RATE
set -u
OUT=$1; ROUNDS=$2; RATE=$3
mkdir -p "$OUT"
for i in $(seq 1 "$ROUNDS"); do
  order="base=/tmp/s22-sqlite-base/superplane-server after=/tmp/s22-after/superplane-server"
  if (( i % 2 == 0 )); then order="after=/tmp/s22-after/superplane-server base=/tmp/s22-sqlite-base/superplane-server"; fi
  for nb in $order; do
    b=${nb%%=*}; bin=${nb#*=}
    echo "$(date +%T) $b $i $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
    d=$(mktemp -d /tmp/s22prof/paced.XXXX)
    SUPERPLANE_CPUPROFILE=$d timeout 300 /tmp/s22-sqlite-base/superplane-bench control --server-bin "$bin" --phases busy --skip-growth \
      --duration 10s --rate "$RATE" --busy-concurrency 16 --out "$OUT/busy-$b-$i.json" > "$OUT/busy-$b-$i.txt" 2>&1
    cp $d/*.pprof "$OUT/busy-$b-$i.pprof"
  done
done
