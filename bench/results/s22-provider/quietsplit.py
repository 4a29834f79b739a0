#!/usr/bin/env python3
"""quietsplit.py: round twelve's apply N=100 runs (s21-provider's busy-machine logs and the lead's
quiet-machine g5 logs), medians of Terraform core (cpu - plugins), the plugin processes, wall and
the server's CPU per build, all runs and those at load < 4: where our apply's CPU over the floor's goes."""
import glob, re, statistics as st
rows = {}
for f in sorted(glob.glob('../s21-provider/sbs-apply100*.log') + glob.glob('../quiet-2026-12-07-e/g5-apply100*.log')):
    for l in open(f):
        m = re.match(r'(\w+) n=\S+ \w+ rc=0 cpu=([\d.]+) wall=([\d.]+) server=([\d.]*) plugins=([\d.]+) load=([\d.]+)', l)
        if m:
            cpu, wall, srv, pl, load = [float(x or 0) for x in m.groups()[1:]]
            rows.setdefault(m.group(1), []).append((cpu - pl, pl, wall, srv, load))
for v, r in rows.items():
    for label, q in (('all', r), ('load<4', [x for x in r if x[4] < 4])):
        if q:
            print(v, label, len(q), 'core %.3f plugins %.3f wall %.2f server %.3f' % tuple(st.median([x[i] for x in q]) for i in range(4)))
