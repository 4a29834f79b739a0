#!/bin/bash
# Alternates store test binaries (built from different commits) on the busy
# canvas's in-process benchmark; prints each run's line tagged with its variant.
# usage: inprocess.sh OUT PAIRS COUNT BENCH variant=/path/to/store.test ...
out=$1; pairs=$2; count=$3; bench=$4; shift 4
src=/work/wt/s18-sqlitepick/internal/store
for p in $(seq 1 "$pairs"); do
  for v in "$@"; do
    name=${v%%=*}; bin=${v#*=}
    echo "# pair $p $name $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out"
    (cd "$src" && timeout 600 "$bin" -test.run '^$' -test.bench "$bench" -test.count "$count" 2>&1) \
      | grep '^Benchmark' | sed "s/^/$name /" >>"$out"
  done
done
