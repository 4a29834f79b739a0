#!/bin/bash
# Side by side: base (main 338114c) and after (branch s24-stall), the order
# swapped each pair, the c16 busy phase, 5 s, PostgreSQL. Usage: pairs.sh LAST [FIRST]
set -u
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
HERE=$(cd "$(dirname "$0")" && pwd); OUT=$HERE/pairs
BENCH=/tmp/s24-stall-base/bin/superplane-bench
run() { # name bin
  uptime > "$OUT/$1.load"
  timeout 120 $BENCH control --server-bin "$2" --database-url "$PG" --phases busy --skip-growth --duration 5s --out "$OUT/$1.json" > "$OUT/$1.txt" 2>&1
  uptime >> "$OUT/$1.load"
}
for i in $(seq "${2:-1}" "$1"); do
  if [ $((i % 2)) = 1 ]; then run base-$i /tmp/s24-stall-base/bin/superplane-server; run after-$i /tmp/s24-stall-clean/superplane-server
  else run after-$i /tmp/s24-stall-clean/superplane-server; run base-$i /tmp/s24-stall-base/bin/superplane-server; fi
done
