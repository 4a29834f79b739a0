#!/bin/bash
# Goal 5 on the quiet machine, stop 22, second set: more apply N=100 rounds, then N=1,000 apply and refresh-only.
set -u
H=/work/main/bench/results/s22-provider
OUT=/work/main/bench/results/quiet-2026-12-07-f
rm -rf /tmp/s22-provider/sbs
bash $H/setup.sh /tmp/qb22/g5base /tmp/qb22/g5new
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh 16 100 apply > $OUT/g5-apply100-b.log 2>&1
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh 3 1000 apply > $OUT/g5-apply1000.log 2>&1
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh 5 1000 refresh > $OUT/g5-refresh1000.log 2>&1
uptime >> $OUT/g5-load.txt
for v in base new; do kill $(cat /tmp/s22-provider/sbs/server-$v.pid); done
