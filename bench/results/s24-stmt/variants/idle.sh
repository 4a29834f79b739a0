#!/bin/bash
# The idle probe's figures of each run in this directory (and round1/): execution started -> finished p50/p99,
# delivery -> start p50/p99, and whether an idle probe found its stage's previous execution unfinished (1).
cd "$(dirname "$0")"
for f in round1/*-[0-9].txt *-[0-9].txt; do
  echo -n "$f: "
  grep -h "probe idle: execution started to finished" $f | sed -E 's/.*p50 +([0-9.]+)ms +p99 +([0-9.]+)ms.*/fin p50 \1 p99 \2/' | tr '\n' ' '
  grep -h "delivery to execution start, idle" $f | sed -E 's/.*p50 +([0-9.]+)ms +p99 +([0-9.]+)ms.*/| d2s p50 \1 p99 \2/' | tr '\n' ' '
  echo -n "| queued "; grep -c "probe idle: routed to the stage's previous execution finished (0: stage free)  p50" $f
done
