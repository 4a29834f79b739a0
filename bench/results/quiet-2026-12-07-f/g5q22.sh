#!/bin/bash
# Goal 5 on the quiet machine, stop 22: floor / base (d4c1e41's server and provider) / new (this round's) alternately.
set -u
H=/work/main/bench/results/s22-provider
OUT=/work/main/bench/results/quiet-2026-12-07-f
rm -rf /tmp/s22-provider/sbs
bash $H/setup.sh /tmp/qb22/g5base /tmp/qb22/g5new
uptime > $OUT/g5-load.txt
bash $H/sbs.sh ${ROUNDS:-8} 100 apply > $OUT/g5-apply100.log 2>&1
uptime >> $OUT/g5-load.txt
for v in base new; do kill $(cat /tmp/s22-provider/sbs/server-$v.pid); done
