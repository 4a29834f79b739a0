#!/usr/bin/env python3
"""One row a run: load, c16 received/s, routed/s, CPU a delivery with the
drain, drain, then stage-free p50 / p99 ms of delivery -> start and its
bench steps. Usage: table.py DIR/PREFIX*.json"""
import json, sys

def get(res, name):
    for r in res:
        if r['name'] == name:
            return r
    return {}

def pp(r):
    if not r or 'p50ms' not in r:
        return '—'
    return f"{r['p50ms']:.1f} / {r['p99ms']:.1f}"

print('| run | load | c16 recv / routed | CPU | drain | stage free | accepted → routed | created → started | started → finished |')
print('|---|---|---|---|---|---|---|---|---|')
for path in sys.argv[1:]:
    d = json.load(open(path))
    res = d['results'] if isinstance(d, dict) else d
    c16 = get(res, 'busy canvas (100 stages) deliveries c16')
    ex = c16.get('extra', {})
    lab = 'busy canvas probe under load, stage free: '
    name = path.rsplit('/', 1)[-1].removesuffix('.json')
    load = c16.get('load', '?').split()[0]
    print(f"| {name} | {load} | {c16.get('perSecond', 0):,.0f} / {ex.get('routedPerSecond', 0):,.0f} | {ex.get('cpuUsWithDrain', 0):.0f} µs | {ex.get('drainSeconds', 0)} s | "
          f"{pp(get(res, 'busy canvas: delivery to execution start, under load, stage free'))} | "
          f"{pp(get(res, lab + 'accepted to routed (stage event created)'))} | "
          f"{pp(get(res, lab + 'execution created to started (claimed)'))} | "
          f"{pp(get(res, lab + 'execution started to finished (noop; at routing: its transaction' + chr(39) + 's commit too)'))} |")
