#!/bin/sh
# Side by side: before (/work/main HEAD 516d0d9) and after (this branch),
# alternately: run.sh PREFIX ORDER... (e.g. run.sh a before after after before)
U='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
p=$1; shift
n=0
for v in "$@"; do
  n=$((n+1))
  echo "$(date -u +%T) $p-$n-$v load $(cut -d' ' -f1-3 /proc/loadavg)"
  /tmp/s17-pgclaim/bench control --server-bin /tmp/s17-pgclaim/$v/server --database-url "$U" \
    --phases busy --skip-growth --duration 5s --out /tmp/s17-pgclaim/r/$p-$n-$v.json > /tmp/s17-pgclaim/r/$p-$n-$v.log 2>&1
done
