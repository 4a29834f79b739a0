#!/usr/bin/env python3
"""pooled.py: every round of the sbs logs (rounds = "# round" blocks, or triples in the logs
without them; the -s applies of sbs-apply1000.log ran back to back and count as one round),
per operation: CPU ratio to the plugin floor (terraform+plugins+server / floor's
terraform+plugins), before (base) and after (new), median of rounds and ratio of sums; the
server's CPU before and after; and, since base and new run the same provider binary (only the
server changed), their terraform+plugins CPU pooled as the provider side's ratio."""
import re, statistics
def rounds(path):
    out, cur = [], None
    lines = open(path).read().splitlines()
    marked = any(l.startswith('# round') for l in lines)
    for l in lines:
        if l.startswith('# round'):
            cur = {}; out.append(cur); continue
        m = re.match(r'(\w+) n=\S+ \w+ rc=(\d+) cpu=([\d.]+) wall=\S+ server=([\d.]*) plugins=([\d.]*) load=([\d.]+)', l)
        if not m:
            continue
        if not marked and (cur is None or len(cur) == 3):
            cur = {}; out.append(cur)
        v, rc, cpu, srv, pl, load = m.groups()
        if rc == '0':
            cur[v] = dict(cpu=float(cpu), srv=float(srv or 0), plug=float(pl or 'nan'), load=float(load))
    return out
ops = {
    'apply N=100': ['sbs-apply100.log', 'sbs-apply100-b.log', 'sbs-apply100-c.log'],
    'refresh-only N=1,000': ['sbs-refresh1000.log', 'sbs-refresh1000-b.log', 'sbs-refresh1000-c.log'],
    'apply N=1,000': ['sbs-apply1000.log', 'sbs-apply1000-b.log', 'sbs-apply1000-c.log'],
}
for op, files in ops.items():
    rs = []
    for f in files:
        try:
            rs += rounds(f)
        except FileNotFoundError:
            pass
    rs = [r for r in rs if {'floor', 'base', 'new'} <= set(r)]
    if not rs:
        continue
    loads = [x['load'] for r in rs for x in r.values()]
    fl = sum(r['floor']['cpu'] for r in rs)
    line = f"{op}: {len(rs)} rounds, load {min(loads):.1f}-{max(loads):.1f}, floor {fl:.1f} s"
    for v in ('base', 'new'):
        ratios = [(r[v]['cpu'] + r[v]['srv']) / r['floor']['cpu'] for r in rs]
        tot = sum(r[v]['cpu'] + r[v]['srv'] for r in rs)
        srv = sum(r[v]['srv'] for r in rs)
        line += f"; {v}: median {statistics.median(ratios):.3f}, sums {tot/fl:.3f} (server {srv:.2f} s = {srv/fl:.3f})"
    pooled = [(r['base']['cpu'] + r['new']['cpu']) / 2 / r['floor']['cpu'] for r in rs]
    same = [r['new']['cpu'] / r['base']['cpu'] for r in rs]
    wp = [r for r in rs if all(r[v]['plug'] == r[v]['plug'] for v in ('floor', 'base', 'new'))]
    if wp:
        fp = sum(r['floor']['plug'] for r in wp); fc = sum(r['floor']['cpu'] for r in wp)
        bp = sum((r['base']['plug'] + r['new']['plug']) / 2 for r in wp); bc = sum((r['base']['cpu'] + r['new']['cpu']) / 2 for r in wp)
        split = f"; split over {len(wp)} rounds with plugins: plugins +{(bp-fp)/fc:.3f}, core +{((bc-bp)-(fc-fp))/fc:.3f}"
    else:
        split = ''
    print(line)
    print(f"  provider side (base and new pooled, same binary): median {statistics.median(pooled):.3f}{split};"
          f" same binary new/base per round: {min(same):.2f}-{max(same):.2f}")
