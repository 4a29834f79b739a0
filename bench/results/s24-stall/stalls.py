# Stall windows of a traced run (traced.sh): gaps of > 80 ms between routing
# batches written during the c16 phase, each with the batch that ended it
# (claim / match / write-turn wait / write ms), and what coincided: Go GCs,
# autovacuum / analyze / checkpoints in PostgreSQL's log, wait events sampled.
import sys, re, datetime, collections
import gzip, os
def op(p, **k):
    # the .act and .sched files are kept gzipped
    return gzip.open(p + '.gz', 'rt', **k) if not os.path.exists(p) and os.path.exists(p + '.gz') else open(p, **k)

name = sys.argv[1]; GAP = float(sys.argv[2]) if len(sys.argv) > 2 else 0.08
db = open(name + '.db').read().strip()
bs = []
for l in open(name + '.route'):
    f = l.split('\t')
    t0 = int(f[0]) / 1e9; c, m, w, x = (int(v) / 1e6 for v in f[1:5])
    pw = (int(f[8]), int(f[9]) / 1e6) if len(f) > 9 else (0, 0)
    bs.append((t0 + c + m + w + x, t0, c, m, w, x, int(f[5]), f[7].strip(), pw))
pr = sorted(int(l.split('\t')[1]) / 1e9 for l in open(name + '.free'))
lo, hi = pr[0] - 0.2, pr[-1] + 0.2
written = sorted(b for b in bs if b[6] > 0 and lo <= b[0] <= hi)
# gc: "gc N @Xs P%: a+b+c ms clock" after the serve line's start stamp
gcs = []; start = None; spid = None
for l in open(name + '.gc', errors='replace'):
    if l.startswith('start ') and ' serve ' in l:
        start = float(l.split()[1]); spid = l.split()[3] if l.split()[2] == 'pid' else None
    m = re.match(r'gc (\d+) @([\d.]+)s .*?: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock', l)
    if m and start:
        t = start + float(m.group(2)); d = sum(float(m.group(i)) for i in (3, 4, 5)) / 1e3
        gcs.append((t, t + d, m.group(1)))
pgev = []
for l in open(name + '.pglog', errors='replace'):
    m = re.match(r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) UTC \[\d+\] (LOG|ERROR|WARNING):\s+(.*)', l)
    if m:
        t = datetime.datetime.strptime(m.group(1), '%Y-%m-%d %H:%M:%S.%f').replace(tzinfo=datetime.timezone.utc).timestamp()
        pgev.append([t, t, m.group(3)[:90]])
    m = re.search(r'elapsed: ([\d.]+) s', l)
    if m and pgev:
        pgev[-1][0] -= float(m.group(1))
    m = re.search(r'total=([\d.]+) s', l)
    if m and pgev:
        pgev[-1][0] -= float(m.group(1))
act = collections.defaultdict(list)
for l in op(name + '.act', errors='replace'):
    f = l.rstrip('\n').split('\t')
    if len(f) < 8: continue
    try: t = float(f[0])
    except ValueError: continue
    if f[2] == db or f[3] == 'autovacuum worker' or (f[3] == 'checkpointer' and f[5] != 'CheckpointerMain'):
        act[t].append(f)
ats = sorted(act)
# schedstat: per pid the (t, cpu ns, runqueue-wait ns) samples
import bisect
sch = collections.defaultdict(list)
try:
    for l in op(name + '.sched'):
        t, pid, c, a, w = l.split('\t'); sch[(pid, c)].append((float(t), int(a), int(w)))
except FileNotFoundError:
    pass
rpids = {f[1] for fs in act.values() for f in fs if f[2] == db and (f[7].startswith('WITH v AS') or f[7].startswith('WITH RECURSIVE orgs'))}
def delta(keys, a, z):
    cpu = wt = 0.0
    for k in keys:
        xs = sch.get(k)
        if not xs: continue
        ts = [x[0] for x in xs]
        i, j = bisect.bisect_left(ts, a), bisect.bisect_right(ts, z) - 1
        if i < len(xs) and j > i:
            cpu += (xs[j][1] - xs[i][1]) / 1e9; wt += (xs[j][2] - xs[i][2]) / 1e9
    return cpu / (z - a), wt / (z - a)
srv = [k for k in sch if k[1].startswith('superplane') and (spid is None or k[0] == spid)]
routing = [k for k in sch if k[0] in rpids]
ours = {f[1] for fs in act.values() for f in fs if f[2] == db}
pgall = [k for k in sch if k[1] == 'postgres' and k[0] in ours]
rq = sorted((x[0], x[1]) for x in sch.get(('0', 'procs_running'), []))
def runnable(a, z):
    v = [n for t, n in rq if a <= t <= z]
    return sum(v) / len(v) if v else -1
def schedcol(a, z):
    if not sch: return ''
    if rq: return f"runnable {runnable(a, z):.1f} | " + schedcol2(a, z)
    return schedcol2(a, z)
def schedcol2(a, z):
    sc, sw = delta(srv, a, z); rc, rw = delta(routing, a, z); pc, pw = delta(pgall, a, z)
    return f"sched cpu/runq-wait (cores): server {sc:.2f}/{sw:.2f} routing-backends {rc:.2f}/{rw:.2f} all-pg {pc:.2f}/{pw:.2f}"
print(f"{name}: c16 window {hi - lo:.1f}s, {len(written)} batches written, stalls > {GAP*1e3:.0f} ms:")
print("gap_ms  at(s)  ended-by: claim/match/turn/write ms n apart | coincided")
prev = None; nst = 0
for b in written:
    if prev is not None and b[0] - prev > GAP:
        nst += 1
        a, z = prev, b[0]
        co = []
        for s, e, n in gcs:
            if s < z and e > a: co.append(f"gc{n} {1e3*(e-s):.1f}ms")
        for s, e, msg in pgev:
            if s < z and e > a - 0.02: co.append(f"PG[{1e3*(e-s):.0f}ms]: {msg[:60]}")
        waits = collections.Counter(); samp = 0; av = set()
        for t in ats:
            if a <= t <= z:
                samp += 1
                for f in act[t]:
                    if f[3] == 'autovacuum worker': av.add(f[2] + ':' + f[7][:30])
                    elif f[2] == db and f[6] != 'idle':
                        waits[(f[4] + ':' + f[5]) if f[4] else 'CPU'] += 1
        pool = f"pool waits {b[8][0] - pb[8][0]} {1e3*(b[8][1] - pb[8][1]):.0f}ms"
        ws = ', '.join(f"{k} {v/max(samp,1):.1f}" for k, v in waits.most_common(4))
        print(f"{1e3*(z-a):6.0f} {a - lo:6.2f} {datetime.datetime.utcfromtimestamp(a).strftime('%H:%M:%S.%f')[:-3]}  {1e3*b[2]:5.0f}/{1e3*b[3]:4.0f}/{1e3*b[4]:4.0f}/{1e3*b[5]:4.0f} n{b[6]:3d} {b[7][0]} | {samp} samples, backends: {ws} | {pool} | {schedcol(a, z)} | {'; '.join(co)} {('AV ' + ','.join(av)) if av else ''}")
    prev = b[0]; pb = b
print("whole window:", schedcol(lo, hi))
if rq:
    ws = []; t = lo
    while t + 0.1 <= hi:
        ws.append(runnable(t, t + 0.1)); t += 0.1
    ws.sort(); print(f"procs_running per 100 ms window over c16: p50 {ws[len(ws)//2]:.1f} p90 {ws[int(len(ws)*.9)]:.1f} max {ws[-1]:.1f}")
gaps = sorted(b2[0] - b1[0] for b1, b2 in zip(written, written[1:]))
if gaps:
    print(f"gaps p50 {1e3*gaps[len(gaps)//2]:.1f} p90 {1e3*gaps[int(len(gaps)*.9)]:.1f} max {1e3*gaps[-1]:.0f} ms; stalls {nst}")
ph = [sorted(b[i] for b in written) for i in (2, 3, 4, 5)]
print("batch phases p50/p90/max ms: " + '  '.join(f"{n} {1e3*p[len(p)//2]:.1f}/{1e3*p[int(len(p)*.9)]:.1f}/{1e3*p[-1]:.0f}" for n, p in zip(('claim', 'match', 'turn', 'write'), ph)))
print("gcs in window:", sum(1 for s, e, n in gcs if lo <= s <= hi), " PG log events in window:", [m[:50] for s, e, m in pgev if lo <= e <= hi + 1])
