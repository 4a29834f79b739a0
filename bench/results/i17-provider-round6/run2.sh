#!/bin/bash
# run2.sh <v> <n> <args>: run.sh plus the plugin processes' own CPU.
v=$1
rm -f /tmp/s15/sbs/plugcpu-$v.log
out=$(/tmp/s15/sbs/run.sh "$@")
p=$(awk '{s+=$1+$2} END {printf "%.2f", s}' /tmp/s15/sbs/plugcpu-$v.log)
echo "$out plugins=$p"
