#!/bin/bash
# profplugins.sh <base|new|floor> <n> <applies> <outdir>: the plugin processes' CPU profiles
# (SUPERPLANE_PROVIDER_CPUPROFILE) through <applies> applies of n resources with setup.sh's
# servers and rc files (fresh canvas and state each), for pprof -diff_base against the floor.
v=$1 n=$2 k=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p $out
for i in $(seq 1 $k); do
  SUPERPLANE_PROVIDER_CPUPROFILE=$out $here/run.sh $v $n -p$i-$$ apply -auto-approve
done
