#!/bin/bash
# CPU (user+sys) of 200,000 decodes of a ~700-byte push body, each
# sub-benchmark in its own process, alternating, six rounds: µs a decode.
for i in 1 2 3 4 5 6; do
  for s in decodeObject json.Unmarshal; do
    c=$( { /usr/bin/time -f "%U %S" /tmp/s21-after/store.test -test.run XXX -test.bench "BenchmarkDecodeRaw/$s\$" -test.benchtime 200000x > /dev/null; } 2>&1 | tail -1)
    echo "$(date +%T) $i $s load $(cut -d' ' -f1 /proc/loadavg) cpu $c us/decode $(echo $c | awk '{printf "%.1f", ($1+$2)*1e6/200000}')"
  done
done
