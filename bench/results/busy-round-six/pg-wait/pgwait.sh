#!/bin/bash
V=$1
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
psql "$PG" -Atc "select datname from pg_database" > /tmp/s15/dbs-before.txt
/tmp/s15/bench control --server-bin /tmp/s15/server-$V --database-url "$PG" --phases busy --skip-growth --duration 5s > /tmp/s15/wait-$V.txt 2>&1 &
for i in $(seq 1 300); do grep -q "deliveries c1 " /tmp/s15/wait-$V.txt && break; sleep 0.1; done
DB=$(psql "$PG" -Atc "select datname from pg_database" | grep -vxFf /tmp/s15/dbs-before.txt | head -1)
for k in $(seq 1 25); do
  psql "$PG" -Atc "select coalesce(wait_event_type,'-')||':'||coalesce(wait_event,'-')||' '||state||' '||left(regexp_replace(query,'\s+',' ','g'),50) from pg_stat_activity where datname='$DB' and state <> 'idle'" 
  sleep 0.15
done | sort | uniq -c | sort -rn | head -20
wait
grep -E "c16|stage free: accepted" /tmp/s15/wait-$V.txt | sed 's/p50.*cpu/cpu/'
