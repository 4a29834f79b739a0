# For each stall of a traced run (stalls.py), the batch that ended it, its
# slowest phase, and what the routing statements' backends did meanwhile:
# each pg_stat_activity sample (state, wait, statement) and, per backend,
# the CPU and runqueue wait (/proc schedstat) over the phase.
import sys, collections, bisect
import gzip, os
def op(p, **k):
    # the .act and .sched files are kept gzipped
    return gzip.open(p + '.gz', 'rt', **k) if not os.path.exists(p) and os.path.exists(p + '.gz') else open(p, **k)

name = sys.argv[1]; GAP = 0.08
db = open(name + '.db').read().strip()
bs = []
for l in open(name + '.route'):
    f = l.split('\t'); t0 = int(f[0]) / 1e9; ph = [int(v) / 1e6 for v in f[1:5]]
    bs.append((t0 + sum(ph), t0, ph, int(f[5])))
pr = sorted(int(l.split('\t')[1]) / 1e9 for l in open(name + '.free'))
lo, hi = pr[0] - 0.2, pr[-1] + 0.2
w = sorted(b for b in bs if b[3] > 0 and lo <= b[0] <= hi)
act = collections.defaultdict(list)
for l in op(name + '.act', errors='replace'):
    f = l.rstrip('\n').split('\t')
    if len(f) >= 8 and f[2] == db:
        act[float(f[0])].append(f)
ats = sorted(act)
sch = collections.defaultdict(list)
for l in op(name + '.sched'):
    t, pid, c, a, x = l.split('\t'); sch[pid].append((float(t), int(a), int(x)))
def d(pid, a, z):
    xs = sch.get(pid, []); ts = [x[0] for x in xs]
    i, j = bisect.bisect_left(ts, a), bisect.bisect_right(ts, z) - 1
    return ((xs[j][1] - xs[i][1]) / 1e6, (xs[j][2] - xs[i][2]) / 1e6) if xs and 0 <= i < j else (0, 0)
names = ('claim', 'match', 'turn', 'write')
for p, b in zip(w, w[1:]):
    if b[0] - p[0] <= GAP: continue
    k = max(range(4), key=lambda i: b[2][i]); a = b[1] + sum(b[2][:k]); z = a + b[2][k]
    print(f"stall {1e3*(b[0]-p[0]):.0f} ms at {p[0]-lo:.2f}s: slowest phase {names[k]} {1e3*b[2][k]:.0f} ms")
    pids = set()
    for t in ats[bisect.bisect_left(ats, a):bisect.bisect_right(ats, z)]:
        rows = [f for f in act[t] if f[7].startswith(('WITH v AS', 'WITH RECURSIVE orgs'))]
        pids |= {f[1] for f in rows}
        print(f"   +{1e3*(t-a):4.0f}ms  " + '; '.join(f"{f[1]} {f[6]} {f[4]}:{f[5]} {f[7][:18]}" for f in rows))
    for pid in sorted(pids):
        c, x = d(pid, a, z); print(f"   backend {pid}: cpu {c:.0f} ms, runqueue wait {x:.0f} ms over the phase")
