#!/bin/bash
# Side by side: before (main HEAD) and after (s17-lists), alternately.
cd /tmp/s17-lists
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for i in 1 2 3; do
  for v in before after; do
    echo "== pg $v $i $(date -u +%T) $(cat /proc/loadavg)"
    ./bench control --server-bin /tmp/s17-lists/$v/server --database-url "$PG" --phases lists --skip-growth --out /tmp/s17-lists/res/pg-$v-$i.json 2>&1 | grep -E "list|memory"
  done
done
for v in before after; do
  echo "== sqlite $v 1 $(date -u +%T) $(cat /proc/loadavg)"
  ./bench control --server-bin /tmp/s17-lists/$v/server --phases lists --skip-growth --out /tmp/s17-lists/res/sqlite-$v-1.json 2>&1 | grep -E "list|memory"
done
echo done $(date -u +%T)
