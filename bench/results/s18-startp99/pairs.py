#!/usr/bin/env python3
"""Paired summary of the SQLite side-by-side runs (sq/{a,b,c,d}-N-{base,after})."""
import json, statistics as st, os
def get(res, name):
    for r in res:
        if r['name'] == name:
            return r
lab = 'busy canvas probe under load, stage free: '
rows = []
for s in 'abcd':
    for i in range(1, 9):
        fb, fa = f'sq/{s}-{i}-base.json', f'sq/{s}-{i}-after.json'
        if not (os.path.exists(fb) and os.path.exists(fa)):
            continue
        v = []
        for f in (fb, fa):
            res = json.load(open(f))['results']
            c = get(res, 'busy canvas (100 stages) deliveries c16')
            sf = get(res, 'busy canvas: delivery to execution start, under load, stage free')
            cs = get(res, lab + 'execution created to started (claimed)')
            ar = get(res, lab + 'accepted to routed (stage event created)')
            v.append((c['perSecond'], sf['p50ms'], sf['p99ms'], cs['p50ms'], cs['p99ms'], ar['p50ms'], c['extra']['cpuUsWithDrain']))
        rows.append((f'{s}-{i}', v))
ratios = [a[0] / b[0] for _, (b, a) in rows]
print('pairs', len(rows))
print('c16 deliveries/s after/base', sorted(round(x, 2) for x in ratios), 'median', round(st.median(ratios), 2))
for k, n in [(0, 'c16/s'), (6, 'CPU us with drain'), (1, 'stage free p50'), (2, 'stage free p99'), (3, 'created->started p50'), (4, 'created->started p99'), (5, 'accepted->routed p50')]:
    print(f'{n:22s} after lower in {sum(1 for _, (b, a) in rows if a[k] < b[k]):2d} of {len(rows)}; median base {st.median(b[k] for _, (b, a) in rows):7.1f}, after {st.median(a[k] for _, (b, a) in rows):7.1f}')
