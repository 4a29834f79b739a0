#!/bin/bash
# usage: sum.sh PREFIX : one line a run
cd /tmp/s16-start/r7
pp() { grep -F "$1" $2 | grep -oE 'p50 +-?[0-9.]+ms +p99 +-?[0-9.]+ms' | sed -E 's/p50 +//; s/ms +p99 +/\//; s/ms//' ; }
for f in $1-*.log; do
  c16=$(grep "deliveries c16" $f | sed -E 's/.*c16 +([0-9.]+)\/s.*cpuUsWithDrain=([0-9.]+) +drainSeconds=([0-9.]+).*\[load ([0-9.]+).*/\1\/s \2us drain \3s load \4/')
  echo "$f: $c16 | free $(pp 'start, under load, stage free' $f) | idle $(pp 'start, idle' $f) | routed $(pp 'stage free: accepted' $f) created $(pp 'stage free: routed to execution' $f) started $(pp 'stage free: execution created' $f) | idle steps $(pp 'idle: accepted' $f) $(pp 'idle: routed to execution' $f) $(pp 'idle: execution created' $f)"
done
