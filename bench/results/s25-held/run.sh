#!/bin/bash
# Alternating pairs of the busy phase on PostgreSQL: main 330c744 (base)
# against s25-held (held), each on a fresh database, load recorded.
set -u
URL=${SUPERPLANE_TEST_POSTGRES_URL:-'postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'}
OUT=$(dirname "$0")
PAIRS=${PAIRS:-3}
for i in $(seq 1 "$PAIRS"); do
  for v in base bin; do
    [ $((i % 2)) -eq 0 ] && { [ $v = base ] && v=bin || v=base; }
    name=$([ $v = base ] && echo base || echo held)
    echo "pair $i $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
    timeout 300 /tmp/s25-held-$v/superplane-bench control --server-bin /tmp/s25-held-$v/superplane-server \
      --database-url "$URL" --phases busy --skip-growth --duration 5s \
      --out "$OUT/$name-$i.json" > "$OUT/$name-$i.txt" 2>&1
    echo "pair $i $name end $(date -u +%T) rc $? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
  done
done
