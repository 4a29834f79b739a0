#!/bin/bash
# zz_routecost_test.go.txt compiled into base's tree (/tmp/s19-pgstart-zz-base)
# and this branch's (/tmp/s19-pgstart-zz-final), run alternately, the order
# swapped every other pair. Usage: harness.sh PAIRS OUT
set -u
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
for i in $(seq 1 "$1"); do
  order="base final"
  if [ $((i % 2)) -eq 0 ]; then order="final base"; fi
  for b in $order; do
    echo "$i $b $(uptime | sed 's/.*load average: //') $(SUPERPLANE_TEST_POSTGRES_URL=$PG ZZ_ROUTECOST=1 timeout 120 /tmp/s19-pgstart-zz-$b -test.run TestZZRouteCost -test.count=1 2>&1 | grep '^ZZ')" >> "$2"
  done
done
