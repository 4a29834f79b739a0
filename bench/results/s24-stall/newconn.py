# Per stall (> 80 ms without a batch written), whether a routing statement
# (claim or write) ran on a backend first seen running one in the stall,
# i.e. a connection new to routing. Usage: newconn.py RUN
import sys, datetime, collections
import gzip, os
def op(p, **k):
    # the .act and .sched files are kept gzipped
    return gzip.open(p + '.gz', 'rt', **k) if not os.path.exists(p) and os.path.exists(p + '.gz') else open(p, **k)

r = sys.argv[1]; db = open(r + '.db').read().strip()
first = {}
for l in op(r + '.act', errors='replace'):
    f = l.rstrip('\n').split('\t')
    if len(f) >= 8 and f[2] == db:
        first.setdefault(f[1], float(f[0]))  # first seen doing anything
firstr = {}
for l in op(r + '.act', errors='replace'):
    f = l.rstrip('\n').split('\t')
    if len(f) >= 8 and f[2] == db and f[7].startswith(('WITH RECURSIVE orgs', 'WITH v AS')):
        firstr.setdefault(f[1], (float(f[0]), f[7][:14]))
bs = []
for l in open(r + '.route'):
    f = l.split('\t'); t0 = int(f[0]) / 1e9; ph = [int(v) / 1e6 for v in f[1:5]]
    bs.append((t0 + sum(ph), t0, ph, int(f[5])))
pr = sorted(int(l.split('\t')[1]) / 1e9 for l in open(r + '.free'))
lo, hi = pr[0] - 0.2, pr[-1] + 0.2
w = sorted(b for b in bs if b[3] > 0 and lo <= b[0] <= hi)
for p, b in zip(w, w[1:]):
    if b[0] - p[0] <= 0.08: continue
    new = [f"{pid} {q} (backend first seen {1e3*(first[pid]-p[0]):+.0f} ms)" for pid, (t, q) in firstr.items() if p[0] - 0.01 <= t <= b[0] + 0.01]
    print(f"{r} stall {1e3*(b[0]-p[0]):.0f} ms at {datetime.datetime.utcfromtimestamp(p[0]).strftime('%H:%M:%S.%f')[:-3]}: claim/match/turn/write {'/'.join(f'{1e3*x:.0f}' for x in b[2])}; routing on a backend new to it: {'; '.join(new) or 'none'}")
