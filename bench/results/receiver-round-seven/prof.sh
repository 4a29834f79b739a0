#!/bin/bash
# pprof profile of the server in the c16 busy phase (SQLite): $1 = server binary, $2 = out prefix.
OUT=/tmp/s16-receiver/prof; mkdir -p $OUT
PPROF_ADDR=127.0.0.1:6065 /tmp/s16-receiver/bench control --server-bin $1 --phases busy --skip-growth --duration ${DUR:-5s} --out $OUT/$2.json > $OUT/$2.txt 2>&1 &
BP=$!
for i in $(seq 1 1200); do grep -q "deliveries c1 " $OUT/$2.txt 2>/dev/null && break; sleep 0.1; done
echo "load $(cat /proc/loadavg)" > $OUT/$2.info
sleep 0.5
curl -s -o $OUT/$2.pprof "http://127.0.0.1:6065/debug/pprof/profile?seconds=${PSEC:-4}"
wait $BP
echo "done load $(cat /proc/loadavg)" >> $OUT/$2.info
