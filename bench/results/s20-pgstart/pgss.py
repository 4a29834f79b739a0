#!/usr/bin/env python3
"""The claim's and the mark's per-statement figures from the .pgss dumps
(run-ff.sh): pgss.py FILES... -> per file: calls, rows a call, mean ms,
buffers hit a row, dirtied, WAL bytes a row."""
import sys, re
for f in sys.argv[1:]:
    lines = open(f).read().splitlines()
    hdr = [h.strip() for h in lines[0].split('|')]
    for l in lines[2:]:
        c = [x.strip() for x in l.split('|')]
        if len(c) != len(hdr):
            continue
        d = dict(zip(hdr, c))
        q = d['q']
        kind = 'claim' if q.startswith('WITH RECURSIVE orgs') else 'mark' if q.startswith('WITH m AS (UPDATE events') else None
        if not kind:
            continue
        calls, rows = int(d['calls']), int(d['rows'])
        out = f"{f:24s} {kind:5s} calls={calls:4d} rows/call={rows/calls:5.1f} mean={float(d['mean']):6.2f}ms"
        if 'plan' in d:
            out += f" plan={float(d['plan']):5.2f}ms"
        out += f" hit/row={int(d['hit'])/rows:5.1f} dirtied/row={int(d['dirtied'])/rows:4.2f} wal/row={int(d['wal_bytes'])/rows:6.0f}B"
        print(out)
