#!/bin/bash
# BenchmarkBusyCanvasMatch/one-evaluator (100 filters $.environment == 'env-i',
# one event), base and after test binaries alternating, six rounds.
for i in 1 2 3 4 5 6; do
  for b in base after; do
    bin=/tmp/s21-sqlite-base/filter.test; [ $b = after ] && bin=/tmp/s21-after/filter.test
    echo "$(date +%T) $b $i load $(cut -d' ' -f1 /proc/loadavg) $($bin -test.run XXX -test.bench 'BusyCanvasMatch/one-evaluator' -test.benchmem -test.benchtime 20000x | grep Benchmark)"
  done
done
