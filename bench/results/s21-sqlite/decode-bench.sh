#!/bin/bash
# Routing's payload decode of a ~700-byte push body: after's test binary
# runs BenchmarkDecodeRaw's two sub-benchmarks (decodeObject, the branch;
# json.Unmarshal, the base's path) alternately, six rounds.
for i in 1 2 3 4 5 6; do
  for s in decodeObject json.Unmarshal; do
    echo "$(date +%T) $i load $(cut -d' ' -f1 /proc/loadavg) $(/tmp/s21-after/store.test -test.run XXX -test.bench "BenchmarkDecodeRaw/$s\$" -test.benchmem -test.benchtime 30000x | grep Benchmark)"
  done
done
