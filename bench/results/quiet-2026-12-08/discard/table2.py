import json, glob, os, sys, statistics as st
out = sys.argv[1]
def pct(xs, p):
    xs = sorted(xs); 
    if not xs: return float('nan')
    k = max(0, min(len(xs)-1, int(round(p*(len(xs)-1)))))
    return xs[k]
for kind in ('busy', 'long'):
    for v in ('main', 'held', 'discard'):
        runs = sorted(glob.glob(f'{out}/{kind}-{v}-*.json'))
        if not runs: continue
        p99s, rates, cpus, idle, pooled, p50s = [], [], [], [], [], []
        for f in runs:
            d = json.load(open(f))
            for r in d['results']:
                n = r['name']
                if n.endswith('deliveries c16'):
                    rates.append(r['perSecond']); cpus.append(r['extra'].get('cpuUsWithDrain', r.get('serverCpuUsPerOp')))
                if n.endswith('start, under load, stage free'):
                    p99s.append(r['p99ms']); p50s.append(r['p50ms'])
                if n.endswith('start, idle'):
                    idle.append(r['p99ms'])
            fr = f[:-5] + '.free'
            if os.path.exists(fr):
                for line in open(fr):
                    parts = line.rstrip('\n').split('\t')
                    if parts[0] == 'under load, stage free':
                        pooled.append(float(parts[3]))
        print(f"{kind:4} {v:4} runs {len(runs):2}  stage-free p99 median {st.median(p99s):6.1f} (range {min(p99s):.1f}-{max(p99s):.1f})  p50 med {st.median(p50s):5.1f}  "
              f"pooled n={len(pooled)} p50 {pct(pooled,.5):5.1f} p95 {pct(pooled,.95):6.1f} p99 {pct(pooled,.99):6.1f}  "
              f"deliv/s med {st.median(rates):7.0f}  cpu med {st.median(cpus):5.0f}  idle p99 med {st.median(idle):5.1f}")
        print('      per-run p99:', ' '.join(f'{x:.1f}' for x in p99s))
