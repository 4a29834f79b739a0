#!/usr/bin/env python3
"""s23-recv's pairs: c1 and c16 per pair (base, after), with the CPU a delivery including the drain.
Usage: table2.py DIR [DIR...]"""
import glob, re, statistics, sys
def rd(f):
    t = open(f).read()
    c1 = re.search(r'deliveries c1 +([0-9.]+)/s.*?server +([0-9]+)us', t)
    c16 = re.search(r'deliveries c16 +([0-9.]+)/s +p50 +([0-9.]+)ms.*?server +([0-9]+)us.*?cpuUsWithDrain=([0-9.]+) +drainSeconds=([0-9.]+) +routedPerSecond=([0-9.]+)', t)
    sf = re.search(r'under load, stage free.*?p50 +([0-9.]+)ms +p99 +([0-9.]+)ms', t)
    return dict(c1=float(c1.group(1)), c1cpu=int(c1.group(2)), rx=float(c16.group(1)), p50rx=float(c16.group(2)), cpu=int(c16.group(3)),
                cpud=float(c16.group(4)), drain=float(c16.group(5)), routed=float(c16.group(6)), sf50=float(sf.group(1)), sf99=float(sf.group(2)))
for d in sys.argv[1:]:
    for db in ('postgres', 'sqlite'):
        A, B = [], []
        for f in sorted(glob.glob(f'{d}/busy-after-{db}-*.txt')):
            i = f.rsplit('-', 1)[1][:-4]
            try:
                a, b = rd(f), rd(f'{d}/busy-base-{db}-{i}.txt')
            except (FileNotFoundError, AttributeError):
                continue
            A.append(a); B.append(b)
            print(f"{d} {db} {i}: " + ' | '.join(f"{n} c1 {x['c1']:.0f}/s {x['c1cpu']}us; c16 {x['rx']:.0f}/s p50 {x['p50rx']}ms {x['cpu']}us (with drain {x['cpud']:.0f}, drain {x['drain']}s, routed {x['routed']:.0f}/s) sf {x['sf50']:.0f}/{x['sf99']:.0f}ms" for n, x in (('after', a), ('base', b))))
        if not A:
            continue
        m = lambda xs, k: statistics.median(x[k] for x in xs)
        cnt = lambda k, lower: sum((a[k] < b[k]) if lower else (a[k] > b[k]) for a, b in zip(A, B))
        print(f"{d} {db} medians of {len(A)}: " + ', '.join(f"{k} after {m(A,k):.0f} base {m(B,k):.0f} (after {'lower' if lo else 'higher'} in {cnt(k, lo)})"
              for k, lo in (('c1', False), ('c1cpu', True), ('rx', False), ('cpu', True), ('cpud', True), ('sf50', True), ('sf99', True))))
