#!/usr/bin/env python3
"""summarize.py LOG...: sums and ratios to the plugin floor of sbs.sh's lines.
Ratio = (terraform+plugins CPU + server CPU) / the floor's terraform+plugins CPU, per round
(the builds of one round ran back to back) and over the sums of the rounds where every build
ran; split into server, plugin processes and Terraform core (cpu - plugins). Rounds are
"# round" lines, or, in logs without them, consecutive triples floor/base/new.
With floorv (the floor storing values of the server's size) the ratios to it are shown too."""
import re, sys, statistics
rounds, cur = [], None
for path in sys.argv[1:]:
    lines = open(path).read().splitlines()
    marked = any(l.startswith('# round') for l in lines)
    for line in lines:
        if line.startswith('# round'):
            cur = {}; rounds.append(cur); continue
        m = re.match(r'(\w+) n=(\S+) (\w+) rc=(\d+) cpu=([\d.]+) wall=([\d.]+) server=([\d.]*) plugins=([\d.]*) load=([\d.]+)', line)
        if not m:
            continue
        v, tag, op, rc, cpu, wall, srv, plug, load = m.groups()
        if not marked and (cur is None or len(cur) == 3):
            cur = {}; rounds.append(cur)
        cur[v] = dict(cpu=float(cpu), srv=float(srv or 0), plug=float(plug or "nan"), load=float(load), rc=rc)
vs = sorted({v for r in rounds for v in r})
full = [r for r in rounds if set(r) == set(vs) and all(x['rc'] == '0' for x in r.values())]
loads = [x['load'] for r in full for x in r.values()]
print(f"rounds {len(full)} of {len(rounds)}, load {min(loads):.1f}-{max(loads):.1f}")
sums = {v: {k: sum(r[v][k] for r in full) for k in ('cpu', 'srv', 'plug')} for v in vs}
for ref in [x for x in ('floor', 'floorv') if x in vs]:
    f = sums[ref]
    print(f"{ref}: cpu {f['cpu']:.2f} (plugins {f['plug']:.2f}, terraform core {f['cpu']-f['plug']:.2f})")
    for v in [x for x in vs if not x.startswith('floor')] + ([x for x in vs if x == 'floorv' and ref == 'floor']):
        s = sums[v]
        rs = [(r[v]['cpu'] + r[v]['srv']) / r[ref]['cpu'] for r in full]
        print(f"  {v}/{ref}: cpu {s['cpu']:.2f} + server {s['srv']:.2f} (plugins {s['plug']:.2f}, core {s['cpu']-s['plug']:.2f})"
              f" ratio of sums {(s['cpu']+s['srv'])/f['cpu']:.3f} = 1 + server {s['srv']/f['cpu']:.3f}"
              f" + plugins {(s['plug']-f['plug'])/f['cpu']:.3f} + core {((s['cpu']-s['plug'])-(f['cpu']-f['plug']))/f['cpu']:.3f};"
              f" median of rounds {statistics.median(rs):.3f} [{', '.join(f'{x:.2f}' for x in rs)}]")
