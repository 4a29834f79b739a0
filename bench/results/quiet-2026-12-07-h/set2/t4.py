import glob, re, statistics, sys
d='/work/main/bench/results/quiet-2026-12-07-h/set2'
def busy(f):
    t=open(f).read()
    m=re.search(r'deliveries c16 +([0-9.]+)/s.*?server +([0-9]+)us',t)
    sf=re.search(r'delivery to execution start, under load, stage free +p50 +([0-9.]+)ms +p99 +([0-9.]+)ms',t)
    idle=re.search(r'delivery to execution start, idle +p50 +([0-9.]+)ms +p99 +([0-9.]+)ms',t)
    rt=re.search(r'routedPerSecond=([0-9.]+)',t)
    return float(m.group(1)),int(m.group(2)),float(sf.group(1)),float(sf.group(2)),float(idle.group(1)),float(idle.group(2)),float(rt.group(1)) if rt else 0
for kind,pat in (('unpaced','busy-{v}-postgres-{i}.txt'),('r600','r600-{v}-{i}.txt')):
    res={}
    for v in ('base','yield','after'):
        rows=[]
        for i in range(1,11):
            try: rows.append(busy(f'{d}/'+pat.format(v=v,i=i)))
            except Exception: pass
        res[v]=rows
        for r in rows: pass
        if rows:
            med=lambda k: statistics.median([r[k] for r in rows])
            print(f'{kind} {v:5} n={len(rows)} recv/s {med(0):.0f} routed/s {med(6):.0f} cpu {med(1):.0f}us sf p50 {med(2):.1f} p99 {med(3):.1f} (all p99: {" ".join(f"{r[3]:.0f}" for r in rows)}) idle p50/p99 {med(4):.1f}/{med(5):.1f}')
