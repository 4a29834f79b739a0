#!/bin/sh
# usage: run1.sh LABEL BIN pg|sqlite [timinglog]
. /tmp/s16-pgroute/env.sh
cd /tmp/s16-pgroute
mkdir -p runs
db=""
[ "$3" = pg ] && db="--database-url $SUPERPLANE_TEST_POSTGRES_URL"
if [ -n "$4" ]; then export ROUTE_TIMING=/tmp/s16-pgroute/runs/$1.log; fi
./bench control --server-bin "$2" $db --phases busy --skip-growth --duration 5s --out runs/$1.json > runs/$1.txt 2>&1
python3 - runs/$1.json "$1" <<'PY'
import json,sys
d=json.load(open(sys.argv[1]))
res=d.get('results',d)
out={}
for r in res:
    n=r['name']
    if 'deliveries c16' in n:
        out['rx']=r.get('perSecond'); out['cpu']=r.get('serverCpuUsPerOp'); ex=r.get('extra',{}); out.update(ex); out['load']=r.get('load')
    if n.endswith('under load, stage free') and 'delivery to execution start' in n:
        out['free']=(r.get('p50ms'),r.get('p99ms'))
    if 'stage free: accepted to routed' in n:
        out['acc2routed']=(r.get('p50ms'),r.get('p99ms'))
print(sys.argv[2], out)
PY
