#!/bin/sh
# In process: BenchmarkLists/{sqlite,postgres}/executions-{10,300,500}, base
# (main at 7534cc5) and after test binaries alternately, ROUNDS rounds.
set -u
rounds=${1:-2}
export SUPERPLANE_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for r in $(seq 1 "$rounds"); do
  for v in base after; do
    for db in sqlite postgres; do
      echo "== round $r $v $db $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
      /tmp/s19-execpage/server-$v.test -test.run '^$' -test.bench "BenchmarkLists/$db/executions-" -test.benchtime 200x 2>&1 | grep Bench
    done
  done
done
