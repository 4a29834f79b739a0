#!/usr/bin/env python3
"""g5ratio.py LOG...: per round, (terraform + plugins + server CPU) / the plugin floor's
terraform + plugins, for base and new; then the median of the rounds and the ratio of sums."""
import re, statistics, sys
rows = {'base': [], 'new': []}
sums = {'base': 0.0, 'new': 0.0, 'floor': 0.0}
for path in sys.argv[1:]:
    cur = None
    for l in open(path):
        if l.startswith('# round'):
            cur = {}
            continue
        m = re.match(r'(\w+) n=\S+ \S+ rc=0 cpu=([\d.]+) wall=\S+ server=([\d.]*) plugins=\S+ load=([\d.]+)', l)
        if not m or cur is None:
            continue
        v, cpu, srv = m.group(1), float(m.group(2)), float(m.group(3) or 0)
        cur[v] = cpu + srv
        if len(cur) == 3:
            for k in ('base', 'new'):
                rows[k].append(cur[k] / cur['floor'])
                sums[k] += cur[k]
            sums['floor'] += cur['floor']
for k in ('base', 'new'):
    r = rows[k]
    print(f"{k}: rounds {len(r)} ratios {' '.join(f'{x:.3f}' for x in r)} median {statistics.median(r):.3f} sums {sums[k]/sums['floor']:.3f}")
