#!/bin/bash
# Traced runs on a private PostgreSQL with pg_stat_statements (port 55499),
# alternating after (plans at every run) and ff (after + events fillfactor
# 50), each with the statements' statistics reset before and dumped after.
# Usage: run-ff.sh PAIRS PREFIX [BINS]
set -u
cd "$(dirname "$0")"
P='postgres://postgres@127.0.0.1:55499/postgres?sslmode=disable'
BENCH=/tmp/s20-pgstart-bench
bins=${3:-"after ff"}
for i in $(seq 1 "$1"); do
  order="$bins"
  if [ $((i % 2)) -eq 0 ]; then order=$(echo $bins | awk '{for(i=NF;i>0;i--) printf "%s ", $i}'); fi
  for b in $order; do
    n=$2-$i-$b
    psql "$P" -qc "select pg_stat_statements_reset()" >/dev/null
    uptime > $n.load
    SUPERPLANE_ROUTE_TRACE=$PWD/$n.jsonl timeout 300 $BENCH control --server-bin /tmp/s20-pgstart-$b-trace --database-url "$P" --phases busy --skip-growth --duration 5s --out $n.json > $n.txt 2>&1
    uptime >> $n.load
    psql "$P" -c "select calls, round(total_exec_time::numeric,1) tot, round(mean_exec_time::numeric,3) mean, round(mean_plan_time::numeric,3) plan, rows, shared_blks_hit hit, round(shared_blks_hit::numeric/nullif(calls,0),0) hit_per_call, shared_blks_dirtied dirtied, wal_bytes, left(regexp_replace(query,'\s+',' ','g'),80) q from pg_stat_statements where calls > 0 order by total_exec_time desc limit 12" > $n.pgss
  done
done
