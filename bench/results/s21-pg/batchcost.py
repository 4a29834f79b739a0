#!/usr/bin/env python3
"""Per batch-size band: median ms of the claim (match turn -> read), the
matching (read -> matched), the routing transaction (BEGIN -> pre-commit)
and the whole batch (t0 -> done), from SUPERPLANE_ROUTE_TRACE files of
the traced batches (those that routed an event to a stage)."""
import json, sys, statistics
from datetime import datetime

def t(s):
    # split.py's parser (importing split.py would run it).
    if not s or s.startswith('0001-'):
        return None
    s = s.rstrip('Z')
    if '.' in s:
        a, b = s.split('.')
        s = a + '.' + (b + '000000')[:6]
    return datetime.fromisoformat(s).timestamp()

bands = [(1, 9), (10, 24), (25, 49), (50, 99), (100, 100)]
rows = {b: [] for b in bands}
for f in sys.argv[1:]:
    for line in open(f):
        b = json.loads(line)
        n = b['n']
        for band in bands:
            if band[0] <= n <= band[1]:
                g = lambda k: t(b.get(k))
                if None in (g('matchTurn'), g('read'), g('matched'), g('txBegin'), g('preCommit'), g('done'), g('t0')):
                    continue
                rows[band].append(((g('read') - g('matchTurn')) * 1e3, (g('matched') - g('read')) * 1e3,
                                   (g('preCommit') - g('txBegin')) * 1e3, (g('done') - g('t0')) * 1e3))
print('%-10s %5s %8s %8s %8s %8s' % ('batch', 'count', 'claim', 'match', 'tx', 'whole'))
for band in bands:
    r = rows[band]
    if not r:
        continue
    med = [statistics.median(x[i] for x in r) for i in range(4)]
    print('%-10s %5d %8.1f %8.1f %8.1f %8.1f' % ('%d-%d' % band, len(r), *med))
