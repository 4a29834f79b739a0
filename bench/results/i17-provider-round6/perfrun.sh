#!/bin/bash
# perfrun.sh <v> <n> <out> <terraform args>: like run.sh, terraform itself under perf (no children).
v=$1 n=$2 out=$3; shift 3
SBS=/tmp/s15/sbs
cd $SBS/${DIR:-$v-$n}
TF_CLI_CONFIG_FILE=$SBS/rc-$v CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPERPLANE_API_URL=http://127.0.0.1:36611 SUPERPLANE_API_TOKEN=$(cat $SBS/token) perf record -F 999 -g -o $out /usr/local/bin/terraform "$@" -no-color -input=false -parallelism=10 > $SBS/last-perf-$v.log 2>&1
echo rc=$?
