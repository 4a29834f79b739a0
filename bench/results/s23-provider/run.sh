#!/bin/bash
# run.sh <base|new|floor> <n> <dir-suffix> <terraform args...>: CPU of terraform with its
# plugins (cpu=), the plugin processes' own CPU (plugins=, through the /usr/bin/time wrapper
# setup.sh installs), and the server's CPU over the command (server=, from /proc; 0 for the
# floor, which has no server). An apply runs in a fresh directory (suffix: a new canvas and
# state, made from gen.sh), so no destroy is needed between runs.
v=$1 n=$2 suf=$3; shift 3
SBS=/tmp/s23-provider/sbs
here=$(cd "$(dirname "$0")" && pwd)
declare -A port=([base]=36731 [new]=36732 [floor]=36731 [floorv]=36731)
dir=$SBS/$v-$n$suf
if [ ! -d $dir ]; then
  src=superplane/superplane; [ "${v#floor}" != "$v" ] && src=bench/superplane
  mkdir -p $dir; $here/gen.sh $n $src bench-$v-$n$suf > $dir/main.tf
fi
cd $dir
srv=base; [ $v = new ] && srv=new
spid=$(cat $SBS/server-$srv.pid)
s0=$(awk '{print $14+$15}' /proc/$spid/stat)
# floorv: the plugin floor storing values of the server's size for what it would leave null
# (FLOOR_COMPUTED=values, bench/floorprovider), so Terraform carries as much state for it.
tv=$v; fc=; [ $v = floorv ] && tv=floor fc=values
rm -f $SBS/plugcpu-$tv.log
TIMEFORMAT="%U %S %R"
{ time FLOOR_COMPUTED=$fc TF_CLI_CONFIG_FILE=$SBS/rc-$tv CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPERPLANE_API_URL=http://127.0.0.1:${port[$v]} SUPERPLANE_API_TOKEN=$(cat $SBS/token-$srv) timeout 1200 /usr/local/bin/terraform "$@" -no-color -input=false -parallelism=10 > $SBS/last-$v.log 2>&1 ; } 2> $SBS/time-$v.txt
rc=$?
s1=$(awk '{print $14+$15}' /proc/$spid/stat)
read u s r < $SBS/time-$v.txt
server=$(echo "scale=2; ($s1 - $s0)/100" | bc); [ "${v#floor}" != "$v" ] && server=0
p=$(awk '{s+=$1+$2} END {printf "%.2f", s}' $SBS/plugcpu-$tv.log)
echo "$v n=$n$suf $1 rc=$rc cpu=$(echo "$u + $s" | bc) wall=$r server=$server plugins=$p load=$(cut -d' ' -f1 /proc/loadavg)"
