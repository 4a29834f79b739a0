#!/bin/bash
# The side-by-side runs of BENCHMARKS.md "Issue 17: the provider floor, round four".
# usage: SBS=<dir> CFG=<config dir under SBS> side-by-side.sh <pbase|pnew|pfloor> <terraform args...>
# SBS holds data/ (a superplane-server data dir, its server running, the address below), token,
# rc-<build> (terraformrc with dev_overrides to that build's plugin dir) and the configurations
# (cfg, fcfg: the bench's N=1,000 configuration for superplane/superplane and bench/superplane;
# cfg100, fcfg100: N=100). Prints the CPU seconds of terraform with its plugins, and the server's.
v=$1; shift
cd $SBS/$CFG
spid=$(pgrep -f "superplane-server serve --listen 127.0.0.1:[0-9]* --data-dir $SBS/data")
s0=$(awk '{print $14+$15}' /proc/$spid/stat)
TIMEFORMAT="%U %S %R"
{ time TF_CLI_CONFIG_FILE=$SBS/rc-$v CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPERPLANE_API_URL=http://127.0.0.1:36509 SUPERPLANE_API_TOKEN=$(cat $SBS/token) terraform "$@" -no-color -input=false -parallelism=10 > $SBS/last-$v.log 2>&1 ; } 2> $SBS/time.txt
s1=$(awk '{print $14+$15}' /proc/$spid/stat)
read u s r < $SBS/time.txt
echo "$v $1 cpu=$(echo "$u + $s" | bc) wall=$r server=$(echo "scale=2; ($s1 - $s0)/100" | bc) load=$(cut -d' ' -f1 /proc/loadavg)"
