#!/bin/bash
# Goal 5 on the quiet machine, stop 23: floor / base (ee18215's server and provider) / new (this round's) alternately.
set -u
H=/work/main/bench/results/s22-provider
OUT=/work/main/bench/results/quiet-2026-12-07-g
mkdir -p $OUT
rm -rf /tmp/s22-provider/sbs
bash $H/setup.sh /tmp/qb23/g5base /tmp/qb23/g5new
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh ${R100:-20} 100 apply > $OUT/g5-apply100.log 2>&1
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh ${RREF:-12} 1000 refresh > $OUT/g5-refresh1000.log 2>&1
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh ${R1000:-4} 1000 apply > $OUT/g5-apply1000.log 2>&1
uptime >> $OUT/g5-load.txt
for v in base new; do kill $(cat /tmp/s22-provider/sbs/server-$v.pid); done
