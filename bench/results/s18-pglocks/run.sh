#!/usr/bin/env bash
# Chains start at finish, round nine: stage a -> stage b (noop, no
# conditions) in a running engine, one chain at a time; b's StartedAt minus
# a's FinishedAt. Before (main 43f4891, the test file copied in) and after
# (this branch), alternating, PAIRS pairs, CHAINS chains a run per database.
# Each run writes raw.jsonl and raw.txt; the two sets of the round are kept as raw-set1.* and
# raw-set2.*.
set -euo pipefail
PAIRS=${PAIRS:-4}
CHAINS=${CHAINS:-30}
OUT=${OUT:-bench/results/s18-pglocks}
BASE=${BASE:-/tmp/s18-pglocks-base}
HERE=$(pwd)
export SUPERPLANE_TEST_POSTGRES_URL=${SUPERPLANE_TEST_POSTGRES_URL:-'postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'}
(cd "$BASE" && go test -c -o /tmp/s18-chain-before ./internal/engine/)
go test -c -o /tmp/s18-chain-after ./internal/engine/
: > "$OUT/raw.jsonl"
for p in $(seq 1 "$PAIRS"); do
  for side in before after; do
    echo "# pair $p $side $(uptime)" >> "$OUT/raw.txt"
    (cd "$HERE/internal/engine" && SUPERPLANE_BENCH_CHAIN=$CHAINS timeout 300 /tmp/s18-chain-$side -test.run TestChainFinishToStart -test.count=1) \
      | grep '^{' | sed "s/^{/{\"side\":\"$side\",\"pair\":$p,/" | tee -a "$OUT/raw.jsonl"
  done
done
