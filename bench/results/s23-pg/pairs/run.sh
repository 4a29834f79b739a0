#!/bin/bash
# Side by side, alternating base (main ee18215, /tmp/s23-pg-base-bin) and
# after (branch s23-pg, /tmp/s23-pg-after-bin), the order swapped every
# other pair. Usage: run.sh PAIRS PREFIX [extra bench flags...].
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
pairs=$1 prefix=$2; shift 2
for i in $(seq 1 "$pairs"); do
  order="base after"
  if [ $((i % 2)) -eq 0 ]; then order="after base"; fi
  for b in $order; do
    n=$prefix-$i-$b
    uptime > $n.load
    timeout 300 /tmp/s23-pg-bench control --server-bin /tmp/s23-pg-$b-bin/superplane-server --database-url "$PG" \
      --phases busy --skip-growth --duration 5s --out $n.json "$@" > $n.txt 2>&1
    uptime >> $n.load
  done
done
