#!/bin/bash
# BenchmarkDeliveryMetrics (a signed delivery through the whole server over
# SQLite, JSON log to io.Discard), before and after, alternating, 3 pairs.
set -u
out=$(dirname "$0")
for i in 1 2 3; do
  for which in base after; do
    echo "== $which $i $(date -u +%T) $(uptime)"
    (cd /tmp && timeout 120 /tmp/s18-leftovers-$which/server.test -test.run '^$' -test.bench 'BenchmarkDeliveryMetrics/on' -test.benchtime 3000x -test.benchmem)
  done
done
