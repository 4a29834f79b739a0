#!/usr/bin/env python3
"""Per-run and paired summary of the busy runs: table.py DIR PREFIX [A B]."""
import json, sys, glob, statistics, os
d, prefix = sys.argv[1], sys.argv[2]
a, b = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ('base', 'after')
def get(r, name):
    for x in r['results']:
        if x['name'] == name:
            return x
    return {}
def row(path):
    r = json.load(open(path))
    c16 = get(r, 'busy canvas (100 stages) deliveries c16')
    sf = get(r, 'busy canvas: delivery to execution start, under load, stage free')
    ar = get(r, 'busy canvas probe under load, stage free: accepted to routed (stage event created)')
    idle = get(r, 'busy canvas: delivery to execution start, idle')
    ex = c16.get('extra', {})
    return dict(recv=c16.get('perSecond'), routed=ex.get('routedPerSecond'), cpu=ex.get('cpuUsWithDrain'),
                p50=sf.get('p50ms'), p99=sf.get('p99ms'), ar99=ar.get('p99ms'), idle50=idle.get('p50ms'),
                load=open(path[:-5] + '.load').read().split()[-3].rstrip(','))
rows = {}
for p in sorted(glob.glob(os.path.join(d, prefix + '-*.json'))):
    _, i, bin_ = os.path.basename(p)[:-5].rsplit('-', 2)
    rows[(int(i), bin_)] = row(p)
keys = ['recv', 'routed', 'cpu', 'p50', 'p99', 'ar99', 'idle50']
print('| pair | build | load | c16 received/s | routed/s | CPU µs a delivery | stage-free p50 ms | p99 ms | accepted→routed p99 | idle p50 |')
print('|---|---|---|---|---|---|---|---|---|---|')
for (i, bn), r in sorted(rows.items()):
    print(f"| {i} | {bn} | {r['load']} | " + ' | '.join(str(r[k]) for k in keys) + ' |')
pairs = sorted({i for i, _ in rows if (i, a) in rows and (i, b) in rows})
print()
print(f'| median of {len(pairs)} pairs | {a} | {b} | {b} lower in |')
print('|---|---|---|---|')
for k in keys:
    va = [rows[(i, a)][k] for i in pairs if rows[(i, a)][k] is not None and rows[(i, b)][k] is not None]
    vb = [rows[(i, b)][k] for i in pairs if rows[(i, a)][k] is not None and rows[(i, b)][k] is not None]
    if not va:
        continue
    lower = sum(1 for x, y in zip(va, vb) if y < x)
    print(f'| {k} | {statistics.median(va)} | {statistics.median(vb)} | {lower} of {len(va)} |')
