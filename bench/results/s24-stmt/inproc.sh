#!/bin/bash
# In-process routing pass (BenchmarkRoutingPassPostgres), base 552ac58 and the branch's steps, alternating.
# Test binaries: go test -c -o /tmp/s24-store-<name>.test ./internal/store (the base with the benchmark file copied in).
set -u
export SUPERPLANE_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
OUT=${OUT:-$(cd "$(dirname "$0")" && pwd)/inproc}
mkdir -p $OUT
cd /tmp
for i in $(seq 1 ${ROUNDS:-3}); do
  order="${VARIANTS:-base pool text}"
  [ $((i % 2)) = 0 ] && order=$(echo $order | tr ' ' '\n' | tac | tr '\n' ' ')
  for v in $order; do
    uptime >> $OUT/load.txt
    /tmp/s24-store-$v.test -test.run XXX -test.bench RoutingPassPostgres -test.benchtime ${N:-300}x > $OUT/$v-$i.txt 2>&1
  done
done
uptime >> $OUT/load.txt
