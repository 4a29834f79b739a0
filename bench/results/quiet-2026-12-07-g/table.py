#!/usr/bin/env python3
"""Round fourteen's quiet pairs (copied from round thirteen's): one row per pair and database (base, after, the staged floor
of the same minutes), then the medians. Usage: table.py [DIR]"""
import glob, os, re, statistics, sys
d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

def busy(f):
    t = open(f).read()
    m = re.search(r'deliveries c16 +([0-9.]+)/s.*?server +([0-9]+)us', t)
    sf = re.search(r'under load, stage free.*?p50 +([0-9.]+)ms +p99 +([0-9.]+)ms', t)
    return float(m.group(1)), int(m.group(2)), float(sf.group(1)), float(sf.group(2))

def floor(f):
    t = open(f).read()
    m = re.search(r'staged deliveries c16 +([0-9.]+)/s.*?server +([0-9]+)us.*?deliveryToRoutedP99Ms=([0-9.]+)', t)
    return float(m.group(1)), int(m.group(2)), float(m.group(3))

for db in ('sqlite', 'postgres'):
    rows = []
    for f in sorted(glob.glob(f'{d}/busy-after-{db}-*.txt'), key=lambda p: int(p.rsplit('-', 1)[1][:-4])):
        i = f.rsplit('-', 1)[1][:-4]
        try:
            a, b, fl = busy(f), busy(f'{d}/busy-base-{db}-{i}.txt'), floor(f'{d}/floor-staged-{db}-{i}.txt')
        except (FileNotFoundError, AttributeError):
            continue
        rows.append((i, a, b, fl))
        print(f'{db} {i}: after {a[0]:7.0f}/s {a[1]}us sf p50/p99 {a[2]:.1f}/{a[3]:.1f} | base {b[0]:7.0f}/s {b[1]}us sf {b[2]:.1f}/{b[3]:.1f} | floor {fl[0]:7.0f}/s {fl[1]}us p99 {fl[2]:.1f} | after/floor {a[0]/fl[0]:.2f}')
    if not rows:
        continue
    med = lambda xs: statistics.median(xs)
    A = [r[1] for r in rows]; B = [r[2] for r in rows]; F = [r[3] for r in rows]
    print(f'{db} medians of {len(rows)}: after {med([x[0] for x in A]):.0f}/s {med([x[1] for x in A]):.0f}us p50 {med([x[2] for x in A]):.1f} p99 {med([x[3] for x in A]):.1f} (<=20: {sum(x[3] <= 20 for x in A)})'
          f' | base {med([x[0] for x in B]):.0f}/s {med([x[1] for x in B]):.0f}us p50 {med([x[2] for x in B]):.1f} p99 {med([x[3] for x in B]):.1f} (<=20: {sum(x[3] <= 20 for x in B)})'
          f' | floor {med([x[0] for x in F]):.0f}/s p99 {med([x[2] for x in F]):.1f}'
          f' | after ahead {sum(a[0] > b[0] for a, b in zip(A, B))}/{len(rows)}, p99 lower {sum(a[3] < b[3] for a, b in zip(A, B))}/{len(rows)}'
          f', after/floor median {med([a[0]/f[0] for a, f in zip(A, F)]):.2f}, after>=3000 {sum(a[0] >= 3000 for a in A)}')
