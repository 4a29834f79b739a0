#!/usr/bin/env python3
"""Split delivery -> start of the probes claimed at routing under the c16
load, from a SUPERPLANE_ROUTE_TRACE file (trace.patch). The first 20 traced
events are the idle probes; the rest were sent during the c16 phase (the
warm-up and c1 phases send only load events, which route to no stage)."""
import json, sys
from datetime import datetime

def t(s):
    if not s or s.startswith('0001-'):
        return None
    s = s.rstrip('Z')
    if '.' in s:
        a, b = s.split('.')
        s = a + '.' + (b + '000000')[:6]
    return datetime.fromisoformat(s).timestamp()

STEPS = [
    ('receive: received_at to insert returned', 'received', 'stored'),
    ('wait: stored to its batch began (batch in flight)', 'stored', 't0'),
    ('wait: for the match turn', 't0', 'matchTurn'),
    ('read: the batch read/claim', 'matchTurn', 'read'),
    ('match: events before it in the batch', 'read', 'match'),
    ('match: it and the rest of the batch', 'match', 'matched'),
    ('wait: for the write turn (previous batch commit)', 'matched', 'writeTurn'),
    ('tx: BEGIN (SQLite: the write lock)', 'writeTurn', 'txBegin'),
    ('tx: statements before its insert', 'txBegin', 'insert'),
    ('tx: statements after its insert', 'insert', 'preCommit'),
    ('tx: COMMIT', 'preCommit', 'done'),
]

def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float('nan')
    return xs[min(len(xs) - 1, int(q * len(xs)))]

def main(paths, idle=False):
    rows = []
    for path in paths:
        evs = []
        for line in open(path):
            b = json.loads(line)
            for e in b['events']:
                evs.append((b, e))
        evs.sort(key=lambda be: t(be[1]['received']) or 0)
        for b, e in (evs[:20] if idle else evs[20:]):
            if not e.get('claimed'):
                continue
            p = {k: t(b[k]) for k in ('t0', 'matchTurn', 'read', 'matched', 'writeTurn', 'txBegin', 'preCommit', 'done')}
            p.update({k: t(e[k]) for k in ('received', 'stored', 'match', 'insert')})
            p['n'] = b['n']
            p['pos'] = e['pos']
            rows.append(p)
    print(f'{len(rows)} probes claimed at routing {"idle" if idle else "under load"} ({", ".join(paths)})')
    print(f'{"step":52s} {"p50":>7s} {"p90":>7s} {"p99":>7s} {"mean":>7s}  ms')
    def line(name, xs):
        print(f'{name:52s} {pct(xs,.5):7.2f} {pct(xs,.9):7.2f} {pct(xs,.99):7.2f} {sum(xs)/len(xs):7.2f}')
    for name, a, b in STEPS:
        xs = [max(0.0, (r[b] - r[a])) * 1e3 for r in rows if r[a] and r[b]]
        line(name, xs)
    line('delivery to start (received to insert)', [(r['insert'] - r['received']) * 1e3 for r in rows])
    print(f'(stored unknown, read before the receiver returned: {sum(1 for r in rows if not r["stored"])})')
    line('delivery to commit (received to done)', [(r['done'] - r['received']) * 1e3 for r in rows])
    line('batch size (events)', [r['n'] for r in rows])
    line('position in batch', [r['pos'] for r in rows])
    # The slowest five, step by step.
    rows.sort(key=lambda r: r['insert'] - r['received'], reverse=True)
    tail = rows[:max(1, len(rows) // 10)]
    print(f'the slowest tenth ({len(tail)} probes), mean ms per step:')
    for name, a, b in STEPS:
        xs = [max(0.0, (r[b] - r[a])) * 1e3 for r in tail if r[a] and r[b]]
        print(f'  {name:50s} {sum(xs)/max(1,len(xs)):7.2f}')
    print('slowest five, ms per step (same order as above), batch size:')
    for r in rows[:5]:
        parts = [f'{max(0.0, r[b]-r[a])*1e3:.1f}' if r[a] and r[b] else '-' for _, a, b in STEPS]
        print('  ' + ' '.join(parts) + f'  | total {(r["insert"]-r["received"])*1e3:.1f}  n={r["n"]}')

args = sys.argv[1:]
main([a for a in args if a != '--idle'], '--idle' in args)
