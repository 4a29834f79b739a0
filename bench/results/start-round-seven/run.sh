#!/bin/bash
# Side by side: before (/work/main f23bb79) and after (s16-start), alternately.
cd /tmp/s16-start/r7
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for db in sqlite postgres; do
  for pair in 1 2; do
    for v in before after; do
      args=()
      [ $db = postgres ] && args=(--database-url "$PG")
      echo "== $db $v pair $pair $(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)" >> run.log
      timeout 600 /tmp/s16-start/bench control --server-bin /tmp/s16-start/server-$v "${args[@]}" --phases busy --skip-growth --duration 5s \
        --out $db-$v-$pair.json > $db-$v-$pair.log 2>&1
      echo "rc=$?" >> run.log
    done
  done
done
