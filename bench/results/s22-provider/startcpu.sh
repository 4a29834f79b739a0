#!/bin/bash
# startcpu.sh <base-bindir> <new-bindir> <pairs>: the CPU of starting each build's provider
# (`-version`: the runtime and every package's init, then exit), 20 starts a block, the builds
# alternating block by block; then each build's package inits from GODEBUG=inittrace=1 (bytes and
# allocations are counts, the same every start).
B=$1 N=$2 pairs=$3
for p in $(seq 1 $pairs); do
  for v in base new; do
    bin=$B/provider; [ $v = new ] && bin=$N/provider
    /usr/bin/time -f "$v %U %S" bash -c "for i in \$(seq 20); do $bin -version >/dev/null; done" 2>&1 | tail -1
  done
done
for v in base new; do
  bin=$B/provider; [ $v = new ] && bin=$N/provider
  GODEBUG=inittrace=1 $bin -version 2>&1 >/dev/null | awk -v v=$v '/^init/ {b+=$8; a+=$10; if ($2 ~ /superplane/) print v, $2, $8, "bytes", $10, "allocs"} END {print v, "all inits:", b, "bytes", a, "allocs"}'
done
uptime
