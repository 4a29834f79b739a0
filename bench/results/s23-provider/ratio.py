#!/usr/bin/env python3
"""ratio.py: the sbs logs of this round (base = ee18215's provider and server, new = the branch's):
per operation the ratio (terraform + plugins + server CPU) / the floor's (terraform + plugins)
for base and new each round, median and ratio of sums, plugin processes' share, the server's
share, and new against base each round (new/base of terraform + plugins + server)."""
import re, statistics, sys
pat = re.compile(r'(\w+) n=\S+ \w+ rc=(\d+) cpu=([\d.]+) wall=\S+ server=([\d.]*) plugins=([\d.]*) load=([\d.]+)')
def rounds(path):
    out, cur = [], None
    for l in open(path).read().splitlines():
        if l.startswith('# round'):
            cur = {}; out.append(cur); continue
        m = pat.match(l)
        if m and cur is not None and m.group(2) == '0':
            v, _, cpu, srv, pl, load = m.groups()
            cur[v] = dict(cpu=float(cpu), srv=float(srv or 0), plug=float(pl or 0), load=float(load))
    return [r for r in out if {'floor', 'base', 'new'} <= set(r)]
files = {'apply N=100': ['sbs-apply100.log', 'sbs-apply100-b.log', 'sbs-apply100-c.log'], 'refresh-only N=1,000': ['sbs-refresh1000.log'],
         'apply N=1,000': ['sbs-apply1000.log']}
for op, fs in files.items():
    rs = []
    for f in fs:
        try: rs += rounds(f)
        except FileNotFoundError: pass
    if not rs: continue
    fl = sum(r['floor']['cpu'] for r in rs)
    loads = [x['load'] for r in rs for x in r.values()]
    print(f"{op}: {len(rs)} rounds, load {min(loads):.1f}-{max(loads):.1f}")
    for v in ('base', 'new'):
        ratios = [(r[v]['cpu'] + r[v]['srv']) / r['floor']['cpu'] for r in rs]
        tot = sum(r[v]['cpu'] + r[v]['srv'] for r in rs)
        srv = sum(r[v]['srv'] for r in rs); pl = sum(r[v]['plug'] for r in rs)
        print(f"  {v}: median {statistics.median(ratios):.3f}, sums {tot/fl:.3f}; server {srv/fl:.3f}, "
              f"plugins {pl/fl:.3f} (floor's {sum(r['floor']['plug'] for r in rs)/fl:.3f}); per round "
              + ' '.join(f'{x:.2f}' for x in ratios))
    nb = [(r['new']['cpu'] + r['new']['srv']) / (r['base']['cpu'] + r['base']['srv']) for r in rs]
    pb = [r['new']['plug'] / r['base']['plug'] for r in rs if r['base']['plug']]
    print(f"  new/base per round: {' '.join(f'{x:.2f}' for x in nb)}; new lower in {sum(x < 1 for x in nb)} of {len(nb)}, "
          f"median {statistics.median(nb):.3f}; plugins new/base median {statistics.median(pb):.3f}, lower in {sum(x < 1 for x in pb)} of {len(pb)}")
