#!/bin/bash
# Side by side, alternating, the order rotating each round: base (552ac58), after (bound 64, the
# default on PostgreSQL) and yN: after with SUPERPLANE_ROUTE_YIELD=N. Usage: SET=u ROUNDS=6 [ARGS="--rate 600"] [VARIANTS="base y64 y32"] run.sh
set -u
cd "$(dirname "$0")"
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
SET=${SET:-u}; ROUNDS=${ROUNDS:-6}; ARGS=${ARGS:-}; PHASES=${PHASES:-busy}
read -ra V <<< "${VARIANTS:-base y64 y32}"
BENCH=/tmp/s24-yield-after/superplane-bench
for i in $(seq 1 $ROUNDS); do
  k=$(( (i - 1) % ${#V[@]} ))
  order=("${V[@]:$k}" "${V[@]:0:$k}")
  for v in "${order[@]}"; do
    n=$SET-$i-$v
    case $v in
      base) bin=/tmp/s24-yield-base/superplane-server; env=();;
      after|y64) bin=/tmp/s24-yield-after/superplane-server; env=();;
      y*) bin=/tmp/s24-yield-after/superplane-server; env=(SUPERPLANE_ROUTE_YIELD=${v#y});;
    esac
    uptime > $n.load
    db=(--database-url "$PG"); [ "${DB:-}" = sqlite ] && db=()
    env "${env[@]}" timeout 300 $BENCH control --server-bin $bin "${db[@]}" \
      --phases $PHASES --skip-growth --duration 5s $ARGS --out $n.json > $n.txt 2>&1
    uptime >> $n.load
  done
done
