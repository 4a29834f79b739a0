#!/bin/bash
# Traced runs (trace.patch of round nine applied): RUNS PREFIX BIN
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for i in $(seq 1 "$1"); do
  n=$2-$i
  uptime > $n.load
  SUPERPLANE_ROUTE_TRACE=$PWD/$n.jsonl timeout 300 /tmp/s21-pg-bench control --server-bin "$3" --database-url "$PG" --phases busy --skip-growth --duration 5s --out $n.json > $n.txt 2>&1
  uptime >> $n.load
done
