#!/usr/bin/env python3
"""Splits a CPU profile's samples by where they ran: categories by the first
matching frame (outermost first). Usage: split.py PROFILE [DELIVERIES]"""
import re, subprocess, sys

CATS = [  # (name, regex on a frame), checked outermost frame first, then inward
    ('api requests (not deliveries)', r'server\.\(\*Server\)\.(registerScoped|register\b|handle)|auditedAs|listEvents|/busyfloor.*(pending|latency)|main\.main\.func[23]'),
    ('delivery handler', r'webhook\.\(\*Handler\)\.serve|main\.\(\*handler\)\.ServeHTTP'),
    ('group commit of received events', r'store\.\(\*db\)\.storeEvents|batchQueue.*drain|main\.\(\*writer\)'),
    ('routing', r'engine\.\(\*Engine\)\.route|main\.\(\*router\)'),
    ('engine other', r'internal/engine\.'),
    ('net/http outside the handler', r'net/http\.\(\*conn\)\.serve'),
    ('gc', r'runtime\.gcBgMarkWorker|runtime\.bgsweep|runtime\.bgscavenge'),
    ('scheduler', r'runtime\.(mcall|schedule|findRunnable|park_m|goschedImpl|mstart|sysmon)'),
    ('pgx background', r'pgconn|bgreader'),
]

def main():
    prof = sys.argv[1]
    n = float(sys.argv[2]) if len(sys.argv) > 2 else 0
    out = subprocess.run(['go', 'tool', 'pprof', '-traces', prof], capture_output=True, text=True).stdout
    tot = {}
    total = 0.0
    for block in out.split('-----------+-------------------------------------------------------')[1:]:
        lines = [l for l in block.strip('\n').split('\n') if l.strip()]
        if not lines:
            continue
        m = re.match(r'\s*([0-9.]+)(ms|s|us)\s+(.*)', lines[0])
        if not m:
            continue
        v = float(m.group(1)) * {'s': 1.0, 'ms': 1e-3, 'us': 1e-6}[m.group(2)]
        frames = [m.group(3).strip()] + [l.strip() for l in lines[1:]]
        frames = frames[::-1]  # outermost first
        cat = 'other'
        for name, rx in CATS:
            if any(re.search(rx, f) for f in frames):
                cat = name
                break
        tot[cat] = tot.get(cat, 0) + v
        total += v
    for k, v in sorted(tot.items(), key=lambda kv: -kv[1]):
        per = f'  {v / n * 1e6:7.1f} us/delivery' if n else ''
        print(f'{k:40s} {v:7.2f}s {100 * v / total:5.1f}%{per}')
    print(f'{"total":40s} {total:7.2f}s' + (f'  {total / n * 1e6:7.1f} us/delivery' if n else ''))

main()
