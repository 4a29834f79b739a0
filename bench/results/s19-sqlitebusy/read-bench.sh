#!/bin/bash
# BenchmarkSoleReadWithEventsInFlight, base (main 7534cc5 with this
# benchmark file copied in) and after, alternating, ROUNDS rounds.
set -u
ROUNDS=${1:-4}
for i in $(seq 1 "$ROUNDS"); do
  for b in base after; do
    echo "== $b $i load $(cut -d' ' -f1-3 /proc/loadavg)"
    /tmp/s19-bin/store-$b.test -test.run '^$' -test.bench BenchmarkSoleReadWithEventsInFlight -test.benchtime 3000x -test.count 2 | grep Benchmark
  done
done
