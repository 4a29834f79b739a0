#!/bin/bash
# Round ten's routing harness (zz_routecost_test.go.txt, not committed: 66
# batches of 3-71 busy events of a canvas of 100 stages through
# Engine.routeOneBatch on PostgreSQL, no receivers; with a probe that starts
# a free stage in each batch, or none with NOPROBE=1), compiled with
# `go test -c` into main ee18215's tree (/tmp/s23-pg-zz-base) and this
# branch's (/tmp/s23-pg-zz-after), run alternately, the order swapped every
# other pair. Usage: [NOPROBE=1] harness.sh PAIRS OUT
set -u
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for i in $(seq 1 "$1"); do
  order="base after"
  if [ $((i % 2)) -eq 0 ]; then order="after base"; fi
  for b in $order; do
    echo "$i $b $(uptime | sed 's/.*load average: //') $(SUPERPLANE_TEST_POSTGRES_URL=$PG ZZ_ROUTECOST=1 ZZ_NOPROBE=${NOPROBE:-} timeout 120 /tmp/s23-pg-zz-$b -test.run TestZZRouteCost -test.count=1 2>&1 | grep '^ZZ')" >> "$2"
  done
done
