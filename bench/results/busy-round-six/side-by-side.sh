#!/usr/bin/env bash
# usage: sbs2.sh tag db pairs variant...
set -u
cd /tmp/s15r
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
tag=$1 db=$2 pairs=$3; shift 3
for pair in $(seq 1 $pairs); do
  for v in "$@"; do
    args=()
    [ "$db" = pg ] && args=(--database-url "$PG")
    echo "== $db $v $pair $(cat /proc/loadavg)"
    timeout 300 bin/bench control --server-bin bin/server-$v "${args[@]}" --phases busy --skip-growth --duration 5s --out res/$tag-$db-$v-$pair.json > res/$tag-$db-$v-$pair.log 2>&1
  done
done
python3 summ.py $tag
