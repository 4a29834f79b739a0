#!/bin/sh
# Side by side on SQLite: run-sqlite.sh PREFIX ORDER...
p=$1; shift
n=0
for v in "$@"; do
  n=$((n+1))
  echo "$(date -u +%T) $p-$n-$v load $(cut -d' ' -f1-3 /proc/loadavg)"
  /tmp/s17-pgclaim/bench control --server-bin /tmp/s17-pgclaim/$v/server \
    --phases busy --skip-growth --duration 5s --out /tmp/s17-pgclaim/r/$p-$n-$v.json > /tmp/s17-pgclaim/r/$p-$n-$v.log 2>&1
done
