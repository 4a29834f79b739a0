#!/usr/bin/env bash
# Side by side, alternating: main's commit (base), this branch (after: the
# bench's loopback connections are exempt, only the wrapper's Accept runs),
# and this branch with loopback counted like any address (counted: the
# mutex and map of every connection), two rounds (ROUNDS="3" for more).
set -u
out=$(dirname "$0")
bench=/tmp/s18-conns-base/bin/superplane-bench
for round in ${ROUNDS:-1 2}; do
  for v in base after counted; do
    case $v in
      base) bin=/tmp/s18-conns-base/bin/superplane-server ;;
      after) bin=/tmp/s18-conns-after/superplane-server ;;
      counted) bin=/tmp/s18-conns-counted/superplane-server ;;
    esac
    echo "== round $round $v $(uptime)"
    timeout 600 "$bench" control --server-bin "$bin" --phases secrets,busy --skip-growth --duration 5s \
      --out "$out/$v-$round.json" > "$out/$v-$round.txt" 2>&1
    echo "   exit $? $(uptime)"
  done
done
