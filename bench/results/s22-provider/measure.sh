#!/bin/bash
# measure.sh: round thirteen's side-by-side set: setup.sh with base (d4c1e41) and new binaries,
# then apply N=100 (12 rounds), apply N=1,000 (3), refresh-only N=1,000 (4), uptime between.
here=$(cd "$(dirname "$0")" && pwd)
OUT=$here
bash $here/setup.sh /tmp/s22-provider-base /tmp/s22-provider-new
uptime > $OUT/load.txt
bash $here/sbs.sh 12 100 apply > $OUT/sbs-apply100.log 2>&1
uptime >> $OUT/load.txt
bash $here/sbs.sh 3 1000 apply > $OUT/sbs-apply1000.log 2>&1
uptime >> $OUT/load.txt
bash $here/sbs.sh 4 1000 refresh > $OUT/sbs-refresh1000.log 2>&1
uptime >> $OUT/load.txt
for v in base new; do kill $(cat /tmp/s22-provider/sbs/server-$v.pid); done
echo done
