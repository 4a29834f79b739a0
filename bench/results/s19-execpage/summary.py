#!/usr/bin/env python3
"""Tables of the pairs: p50 ms / server CPU us a read, base and after, per pair."""
import glob, json, os, re, sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__) + "/pairs1"
runs = {}
for f in sorted(glob.glob(d + "/*.json")):
    db, v, i = re.match(r".*/(\w+)-(base|after)-(\d+)\.json", f).groups()
    for r in json.load(open(f))["results"]:
        if r["name"].startswith("list"):
            runs.setdefault((db, r["name"]), {}).setdefault(v, []).append(
                (int(i), r["p50ms"], r["serverCpuUsPerOp"], r["load"].split()[0]))
for (db, name), by in sorted(runs.items()):
    row = []
    for v in ("base", "after"):
        row.append("; ".join("%.2f / %d" % (p, c) for _, p, c, _ in sorted(by.get(v, []))))
    loads = sorted(float(l) for v in by.values() for *_, l in v)
    print("| %s | %s | %s | %s | load %.0f-%.0f |" % (db, name, row[0], row[1], loads[0], loads[-1]))
