#!/usr/bin/env python3
"""Medians of harness.sh outputs: summ.py FILES."""
import re, statistics, sys
rows = {}
for f in sys.argv[1:]:
    for line in open(f):
        m = re.match(r'(\d+) (\w+) .*wall_total_ms=([\d.]+) batch_p50_ms=([\d.]+).*go_cpu_ms=([\d.]+)', line)
        if m:
            rows[(f, int(m.group(1)), m.group(2))] = tuple(float(m.group(i)) for i in (3, 4, 5))
pairs = sorted({(f, i) for f, i, b in rows if (f, i, 'base') in rows and (f, i, 'after') in rows})
for k, name in enumerate(['wall of 60 batches ms', 'batch p50 ms', 'Go CPU ms']):
    a = [rows[(f, i, 'base')][k] for f, i in pairs]
    b = [rows[(f, i, 'after')][k] for f, i in pairs]
    lower = sum(1 for x, y in zip(a, b) if y < x)
    print(f'{name}: base {statistics.median(a):.1f}, after {statistics.median(b):.1f}, after lower in {lower} of {len(pairs)}')
