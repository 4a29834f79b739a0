#!/bin/bash
# One busy run (c16, 5 s) with: the routing batches' stamps (temporary
# SUPERPLANE_ROUTE_TRACE), Go's gctrace (server.log), pg_stat_activity of
# the benchmark databases every 20 ms, events' vacuum/analyze counters every
# 250 ms, PostgreSQL's log lines of the run. Usage: traced.sh NAME SERVER-BIN BENCH-BIN
set -u
NAME=$1; BIN=$2; BENCH=$3
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
HERE=$(cd "$(dirname "$0")" && pwd); OUT=$HERE/runs; mkdir -p "$OUT"
PGLOG=/tmp/superplane-pg.EuEBtk.log
l0=$(wc -l < $PGLOG)
# wait events of every backend of a benchmark database, and autovacuum workers
printf '%s\n' "select extract(epoch from clock_timestamp()), pid, datname, backend_type, coalesce(wait_event_type,''), coalesce(wait_event,''), state, left(regexp_replace(query, '\s+', ' ', 'g'), 50) from pg_stat_activity where (datname like 'superplane_bench_%' and state <> 'idle') or backend_type in ('autovacuum worker','checkpointer')" '\watch 0.02' |
  timeout 40 psql "$PG" -At -F $'\t' > "$OUT/$NAME.act" 2>/dev/null &
act=$!
python3 "$HERE/sched.py" "$OUT/$NAME.sched" 35 &
sch=$!
(
  for _ in $(seq 1 300); do
    db=$(psql "$PG" -Atc "select datname from pg_database where datname like 'superplane_bench_%' and now() - (pg_stat_file('base/'||oid||'/PG_VERSION')).modification < interval '20 s' order by oid desc limit 1" 2>/dev/null)
    [ -n "$db" ] && break; sleep 0.1
  done
  echo "$db" > "$OUT/$NAME.db"
  url="postgres://postgres@127.0.0.1:55432/$db?sslmode=disable"
  sleep 1
  printf '%s\n' "select extract(epoch from clock_timestamp()), relname, n_live_tup, n_dead_tup, n_mod_since_analyze, autovacuum_count, autoanalyze_count, last_autovacuum, last_autoanalyze from pg_stat_user_tables where relname in ('events','stage_events','executions')" '\watch 0.25' |
    timeout 40 psql "$url" -At -F $'\t' > "$OUT/$NAME.tab" 2>/dev/null
) &
tab=$!
uptime > "$OUT/$NAME.load"
WRAP_BIN="$BIN" WRAP_LOG="$OUT/$NAME.server" SUPERPLANE_ROUTE_TRACE="$OUT/$NAME.route" SUPERPLANE_BENCH_PROBES="$OUT/$NAME" \
  timeout 120 $BENCH control --server-bin "$HERE/wrap.sh" --database-url "$PG" --phases busy --skip-growth --duration 5s --out "$OUT/$NAME.json" > "$OUT/$NAME.txt" 2>&1
uptime >> "$OUT/$NAME.load"
kill $act $sch 2>/dev/null; wait $tab
tail -n +$((l0+1)) $PGLOG > "$OUT/$NAME.pglog"
grep -E "^(start|gc [0-9])" "$OUT/$NAME.server" > "$OUT/$NAME.gc" && rm "$OUT/$NAME.server"
