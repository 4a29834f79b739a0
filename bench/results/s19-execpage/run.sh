#!/bin/sh
# Side by side: base (main at 7534cc5) and after (this branch) server
# binaries alternately, PAIRS pairs a database, the execution-lists phase
# of superplane-bench control (this branch's bench, the client for both).
# Usage: run.sh OUTDIR PAIRS
set -u
out=${1:-/tmp/s19-execpage/pairs}
pairs=${2:-3}
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
BENCH=/tmp/s19-execpage/superplane-bench
mkdir -p "$out"
for i in $(seq 1 "$pairs"); do
  for db in sqlite postgres; do
    for v in base after; do
      bin=/tmp/s19-execpage/after/superplane-server
      [ "$v" = base ] && bin=/tmp/s19-execpage-base/superplane-server
      dbflag=""
      [ "$db" = postgres ] && dbflag="--database-url $PG"
      echo "== pair $i $db $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
      timeout 300 "$BENCH" control --server-bin "$bin" $dbflag --phases execution-lists --skip-growth \
        --out "$out/$db-$v-$i.json" 2>&1 | grep -E "list"
    done
  done
done
