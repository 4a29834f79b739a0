#!/bin/bash
# In process, alternating before/after: BenchmarkLists sources and executions, -benchtime 100x.
cd /tmp/s18-lists
export SUPERPLANE_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for round in 1 2; do
  for bin in before after; do
    echo "== $(date -u +%T) round $round $bin load $(cut -d' ' -f1-3 /proc/loadavg)"
    timeout 600 ./$bin.test -test.run '^$' -test.bench 'BenchmarkLists/(sqlite|postgres)/(sources-300|sources-1000|executions-300)$' \
      -test.benchtime 100x -test.benchmem ${PROF:+-test.cpuprofile $bin-$round.prof} 2>&1 | grep Benchmark
  done
done
