#!/bin/bash
# Side by side, alternating: before = main at 43f4891, after = s18-lists.
# BENCH=bench2 is this branch's bench (lists connection groups too), bench main's.
# superplane-bench control --phases lists --skip-growth --duration 5s, SQLite and PostgreSQL.
set -u
B=/tmp/s18-lists
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
OUT=$(dirname "$0")
for pair in ${PAIRS:-1 2}; do
  for db in sqlite postgres; do
    for bin in before after; do
      args=()
      [ "$db" = postgres ] && args=(--database-url "$PG")
      echo "== $(date -u +%T) pair $pair $db $bin load $(cut -d' ' -f1-3 /proc/loadavg)"
      timeout 900 $B/${BENCH:-bench} control --server-bin $B/$bin-server "${args[@]}" --phases lists --skip-growth --duration 5s \
        --out "$OUT/$db-$bin-$pair.json" 2>&1 | grep -i "list" 
    done
  done
done
