#!/bin/bash
# sbs.sh <rounds> <n> <apply|refresh>: the builds alternately (the order rotates each round),
# one line each per round after a "# round" line. VARIANTS (default "floor base new") may add
# floorv (run.sh). apply: a fresh canvas and state per run (suffix -aR); refresh: a
# refresh-only plan of the state applied once (suffix -s, applied by the first round).
rounds=$1 n=$2 op=$3
here=$(cd "$(dirname "$0")" && pwd)
read -ra vs <<< "${VARIANTS:-floor base new}"
for r in $(seq 1 $rounds); do
  echo "# round $r"
  k=${#vs[@]}
  for i in $(seq 0 $((k-1))); do
    v=${vs[$(( (i + r - 1) % k ))]}
    if [ $op = apply ]; then
      $here/run.sh $v $n -a$r-$$ apply -auto-approve
    else
      [ -f /tmp/s23-provider/sbs/$v-$n-s/terraform.tfstate ] || $here/run.sh $v $n -s apply -auto-approve > /dev/null
      $here/run.sh $v $n -s plan -refresh-only
    fi
  done
done
