#!/bin/bash
# Prints, per run, the figures the report compares (from the run's text output).
cd "$(dirname "$0")"
printf "%-7s %10s %10s %10s %10s %10s %10s\n" run "c16/s" "srvCPUus" "sf-p50" "sf-p99" "idle-p50" "idle-p99"
for f in base-1 held-1 held-2 base-2 base-3 held-3; do
  c16=$(grep "deliveries c16" $f.txt | awk '{for(i=1;i<=NF;i++) if($i ~ /\/s$/) print $i}')
  cpu=$(grep "deliveries c16" $f.txt | sed -E 's/.*server +([0-9]+)us.*/\1/')
  sf=$(grep "delivery to execution start, under load, stage free" $f.txt | sed -E 's/.*p50 +([0-9.]+)ms +p99 +([0-9.]+)ms.*/\1 \2/')
  idle=$(grep "delivery to execution start, idle" $f.txt | sed -E 's/.*p50 +([0-9.]+)ms +p99 +([0-9.]+)ms.*/\1 \2/')
  printf "%-7s %10s %10s %10s %10s %10s %10s\n" $f $c16 $cpu $sf $idle
done
