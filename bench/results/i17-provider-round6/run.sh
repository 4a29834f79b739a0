#!/bin/bash
# run.sh <pbase|pnew|pfloor> <n> <terraform args...>: CPU of terraform+plugins, and the server's.
v=$1 n=$2; shift 2
SBS=/tmp/s15/sbs
cd $SBS/${DIR:-$v-$n}
spid=$(cat $SBS/server.pid)
s0=$(awk '{print $14+$15}' /proc/$spid/stat)
TIMEFORMAT="%U %S %R"
{ time TF_CLI_CONFIG_FILE=$SBS/rc-$v CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPERPLANE_API_URL=http://127.0.0.1:36611 SUPERPLANE_API_TOKEN=$(cat $SBS/token) /usr/local/bin/terraform "$@" -no-color -input=false -parallelism=10 > $SBS/last-$v.log 2>&1 ; } 2> $SBS/time-$v.txt
rc=$?
s1=$(awk '{print $14+$15}' /proc/$spid/stat)
read u s r < $SBS/time-$v.txt
echo "$v n=$n $1 rc=$rc cpu=$(echo "$u + $s" | bc) wall=$r server=$(echo "scale=2; ($s1 - $s0)/100" | bc) load=$(cut -d' ' -f1 /proc/loadavg)"
