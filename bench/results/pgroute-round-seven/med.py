import json,glob,statistics as st,re,os
rows={}
for f in sorted(glob.glob('/tmp/s16-pgroute/runs/r[2-6]-*.json')):
    m=re.match(r'r(\d)-(pg|sqlite)-(before|w1|w2)-(\d)',os.path.basename(f))
    if not m: continue
    d=json.load(open(f)); o={}
    for r in d['results']:
        n=r['name']
        if 'deliveries c16' in n:
            ex=r['extra']; o.update(rx=r['perSecond'],cwd=ex['cpuUsWithDrain'],drain=ex['drainSeconds'],routed=ex['routedPerSecond'],load=float(r['load'].split()[0]))
        if 'delivery to execution start, under load, stage free' in n: o['f50'],o['f99']=r['p50ms'],r['p99ms']
        if 'stage free: accepted to routed' in n: o['a50'],o['a99']=r['p50ms'],r['p99ms']
    rows.setdefault((m.group(2),m.group(3)),[]).append(o)
for (db,v),L in sorted(rows.items()):
    med=lambda k: st.median([x[k] for x in L])
    rng=lambda k: (min(x[k] for x in L), max(x[k] for x in L))
    print(f"{db:6} {v:6} n={len(L)} rx med {med('rx'):.0f} {rng('rx')} routed med {med('routed'):.0f} ratio {st.median([x['routed']/x['rx'] for x in L]):.2f} cpu med {med('cwd'):.0f} drain med {med('drain')} {rng('drain')} free p50 {med('f50'):.0f} p99 {med('f99'):.0f} a2r p50 {med('a50'):.0f} p99 {med('a99'):.0f} load {rng('load')}")
