#!/usr/bin/env python3
"""Split `go tool pprof -traces` outputs into the busy canvas's areas.

Usage: split.py TRACES:DELIVERIES [...]; prints CPU µs a delivery for each
area (the profile's seconds over DELIVERIES, the deliveries the profiled
process received: the phase's, the warm-up's 2,000 and the probes').
Each stack goes to the first rule one of its frames matches (rules in
order), so the specific rules come first."""
import re, sys

RULES = [
    ("not per delivery: the bench's set-up and final reads", r"listEvents|listExecutions|getExecution|getStage|createStage|createCanvas|createEventSource|Migrate|migrate|openStore|openForServe"),
    ("GC (background marking, sweeping, assists)", r"runtime\.gcBgMarkWorker|runtime\.bgsweep|runtime\.bgscavenge|gcAssistAlloc"),
    ("engine passes: queue advance, claims, the probes' executions", r"advancePass|claimLoop|runClaimed|RunReconciler|Engine\)\.Run$"),
    ("receive: group commit (insert rows, WAL write, fsync)", r"store\.\(\*db\)\.storeEvents|main\.\(\*writer\)\.commit"),
    ("routing: matching (payload decode, 100 filters)", r"engine\.\(\*Engine\)\.routeEvent|engine\.\(\*Engine\)\.matchStages|expr-lang/expr/vm|encoding/json\.Unmarshal"),
    ("routing: commit (WAL write, fsync)", r"\(\*Tx\)\.Commit"),
    ("routing: read / claim", r"store\.\(\*db\)\.readEvents|router\)\.batch.*|XX"),
    ("routing: other statements (mark, rejections, stage events), begin", r"routeLoop|router\)\.run"),
    ("receive: HTTP, auth, signature, decode, log, reply", r"net/http\.\(\*conn\)\.serve"),
    ("runtime other (scheduler, netpoll, timers)", r"^runtime\.|^$"),
]

def traces(path):
    cur, val = [], None
    for line in open(path):
        if line.startswith("-----------+"):
            if val is not None:
                yield val, cur
            cur, val = [], None
            continue
        m = re.match(r"^\s+(\d+(?:\.\d+)?)(ms|s)\s+(\S.*)$", line)
        if m:
            val = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
            cur = [m.group(3).strip()]
            continue
        if val is not None and line.strip():
            cur.append(line.strip())
    if val is not None:
        yield val, cur

def classify(stack):
    for name, pat in RULES:
        for f in stack:
            if re.search(pat, f):
                # The floor's router claims in batch() too: its read is
                # the claim's statement, not its mark.
                if name == "routing: read / claim" and "router).batch" in f:
                    if not any("QueryContext" in g or "rows" in g.lower() for g in stack):
                        continue
                return name
    return "other"

cols, names = [], [r[0] for r in RULES] + ["other"]
for arg in sys.argv[1:]:
    path, n = arg.rsplit(":", 1)
    by, tot = {}, 0.0
    for v, st in traces(path):
        c = classify(st)
        by[c] = by.get(c, 0) + v
        tot += v
    cols.append((path, int(n), by, tot))
print("| area | " + " | ".join(f"{p} (µs a delivery)" for p, _, _, _ in cols) + " |")
print("|---|" + "---|" * len(cols))
for name in names:
    print(f"| {name} | " + " | ".join(f"{1e6*by.get(name, 0)/n:.0f}" for _, n, by, _ in cols) + " |")
print("| **per delivery, without the bench's reads** | " + " | ".join(
    f"**{1e6*(tot-by.get(names[0], 0))/n:.0f}**" for _, n, by, tot in cols) + " |")
