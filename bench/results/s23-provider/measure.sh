#!/bin/bash
# measure.sh: round fourteen's side-by-side set with setup.sh's servers (base = ee18215's provider
# and server in /tmp/s23-provider-base, new = the branch's in /tmp/s23-provider-new, floor =
# ee18215's bench/floorprovider): apply N=100 (12 rounds), refresh-only N=1,000 (4), apply
# N=1,000 (3), uptime between.
here=$(cd "$(dirname "$0")" && pwd)
OUT=$here
uptime > $OUT/load.txt
bash $here/sbs.sh 12 100 apply > $OUT/sbs-apply100.log 2>&1
uptime >> $OUT/load.txt
bash $here/sbs.sh 4 1000 refresh > $OUT/sbs-refresh1000.log 2>&1
uptime >> $OUT/load.txt
bash $here/sbs.sh 3 1000 apply > $OUT/sbs-apply1000.log 2>&1
uptime >> $OUT/load.txt
echo done
