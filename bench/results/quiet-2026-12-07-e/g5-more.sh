#!/bin/bash
# Goal 5 on the quiet machine, stop 21, second set: more rounds, and apply N=1,000.
set -u
H=/work/main/bench/results/s21-provider
OUT=/work/main/bench/results/quiet-2026-12-07-e
rm -rf /tmp/s21-provider/sbs
bash $H/setup.sh /tmp/qb21/g5base /tmp/qb21/g5new
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh 8 100 apply > $OUT/g5-apply100-b.log 2>&1
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh 3 1000 apply > $OUT/g5-apply1000.log 2>&1
uptime >> $OUT/g5-load.txt
bash $H/sbs.sh 4 1000 refresh > $OUT/g5-refresh1000-b.log 2>&1
uptime >> $OUT/g5-load.txt
for v in base new; do kill $(cat /tmp/s21-provider/sbs/server-$v.pid); done
