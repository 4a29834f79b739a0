#!/bin/bash
# perf profile of the server in the c16 busy phase (SQLite).
OUT=/tmp/s15/prof
mkdir -p $OUT
/tmp/s15/bench control --server-bin /tmp/s15/server-prof --phases busy --skip-growth --duration 5s --out $OUT/prof.json > $OUT/prof.txt 2>&1 &
BP=$!
for i in $(seq 1 600); do
  grep -q "deliveries c1 " $OUT/prof.txt 2>/dev/null && break
  sleep 0.1
done
PID=$(pgrep -f '^/tmp/s15/server-prof' | head -1)
echo "server pid $PID; load $(cat /proc/loadavg)" > $OUT/perf.info
sleep 0.5
perf record -F 999 -g -p $PID -o $OUT/perf.data -- sleep 4 2>>$OUT/perf.info
wait $BP
echo "done load $(cat /proc/loadavg)" >> $OUT/perf.info
