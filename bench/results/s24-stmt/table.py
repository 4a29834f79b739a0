#!/usr/bin/env python3
"""pairs.sh's runs: a row per pair (deliveries/s, server CPU a delivery, stage-free p50/p99, load), then medians and
how many pairs went which way. Usage: table.py [DIR]"""
import glob, os, re, statistics, sys
d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pairs')

def busy(f):
    t = open(f).read()
    m = re.search(r'deliveries c16 +([0-9.]+)/s.*?server +([0-9]+)us', t)
    sf = re.search(r'under load, stage free.*?p50 +([0-9.]+)ms +p99 +([0-9.]+)ms', t)
    return float(m.group(1)), int(m.group(2)), float(sf.group(1)), float(sf.group(2))

def load(f):
    return open(f).read().split('load average:')[1].split(',')[0].strip()

for kind in ('busy', 'r600'):
    rows = []
    for f in sorted(glob.glob(f'{d}/{kind}-*-after.txt'), key=lambda p: int(p.split('-')[-2])):
        i = f.split('-')[-2]
        try:
            a, b = busy(f), busy(f'{d}/{kind}-{i}-base.txt')
        except (FileNotFoundError, AttributeError):
            continue
        rows.append((a, b))
        print(f'{kind} {i}: after {a[0]:6.0f}/s {a[1]:4d}us sf p50/p99 {a[2]:5.1f}/{a[3]:6.1f} (load {load(f[:-4] + ".load")})'
              f' | base {b[0]:6.0f}/s {b[1]:4d}us sf {b[2]:5.1f}/{b[3]:6.1f} (load {load(f"{d}/{kind}-{i}-base.load")})')
    if not rows:
        continue
    med = statistics.median
    A, B = [r[0] for r in rows], [r[1] for r in rows]
    print(f'{kind} medians of {len(rows)}: after {med([x[0] for x in A]):.0f}/s {med([x[1] for x in A]):.0f}us p50 {med([x[2] for x in A]):.1f} p99 {med([x[3] for x in A]):.1f}'
          f' | base {med([x[0] for x in B]):.0f}/s {med([x[1] for x in B]):.0f}us p50 {med([x[2] for x in B]):.1f} p99 {med([x[3] for x in B]):.1f}'
          f' | after: more/s {sum(a[0] > b[0] for a, b in rows)}/{len(rows)}, less CPU {sum(a[1] < b[1] for a, b in rows)}/{len(rows)},'
          f' p50 lower {sum(a[2] < b[2] for a, b in rows)}/{len(rows)}, p99 lower {sum(a[3] < b[3] for a, b in rows)}/{len(rows)}, p99<=20 {sum(a[3] <= 20 for a in A)} vs {sum(b[3] <= 20 for b in B)}')
