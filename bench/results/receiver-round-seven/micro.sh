#!/bin/bash
for i in $(seq 1 8); do for v in base cutB; do for bt in 100 10; do
  echo "$v batch$bt $(cut -d' ' -f1 /proc/loadavg) $(./store-$v.test -test.run '^$' -test.bench "BusyCanvasWrites/sqlite/batch_$bt\$" -test.benchtime 40x 2>&1 | grep Bench | awk '{print $5,$6,$7,$8,$9,$10,$11,$12}')"
done; done; done
for i in 1 2 3; do for v in base cutB; do
  strace -f -c -e trace=pwrite64,fdatasync -o st-$v-$i.txt ./store-$v.test -test.run '^$' -test.bench 'BusyCanvasWrites/sqlite/batch_10$' -test.benchtime 20x >/dev/null 2>&1
  echo "strace $v $(grep -E 'pwrite64|fdatasync' st-$v-$i.txt | awk '{print $4, $5}' | tr '\n' ' ')"
done; done
