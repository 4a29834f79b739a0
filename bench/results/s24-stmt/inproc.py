#!/usr/bin/env python3
"""Medians of inproc.sh's runs: a row per variant and sub-benchmark (cpu-us, pg-cpu-us, wall-us a pass)."""
import glob, os, re, statistics, sys
from collections import defaultdict
d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'inproc')
vals = defaultdict(list)
for f in glob.glob(f'{d}/*-*.txt'):
    v = os.path.basename(f).rsplit('-', 1)[0]
    for m in re.finditer(r'RoutingPassPostgres/(\S+)-2\s+\d+\s+\d+ ns/op\s+([0-9.]+) cpu-us/pass\s+([0-9.]+) pg-cpu-us/pass\s+([0-9.]+) wall-us/pass', open(f).read()):
        vals[(m.group(1), v)].append(tuple(float(x) for x in m.groups()[1:]))
print(f'{"pass":10} {"variant":8} {"n":>2} {"cpu-us":>7} {"pg-cpu-us":>9} {"wall-us":>8}  (medians)')
for (k, v) in sorted(vals, key=lambda kv: (kv[0], ['base', 'pool', 'text'].index(kv[1]) if kv[1] in ('base', 'pool', 'text') else 9)):
    xs = vals[(k, v)]
    med = [statistics.median(x[i] for x in xs) for i in range(3)]
    print(f'{k:10} {v:8} {len(xs):2} {med[0]:7.0f} {med[1]:9.0f} {med[2]:8.0f}')
