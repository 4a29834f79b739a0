import json,sys,glob,os
print("| run | received/s | routed/s | CPU µs (with drain) | drain s | stage free p50 / p99 ms | accepted → routed p50 / p99 ms | load |")
print("|---|---|---|---|---|---|---|---|")
for f in sys.argv[1:]:
    d=json.load(open(f)); out={}
    for r in d['results']:
        n=r['name']
        if 'deliveries c16' in n:
            ex=r.get('extra',{}); out.update(rx=r['perSecond'],cpu=r['serverCpuUsPerOp'],cwd=ex.get('cpuUsWithDrain'),drain=ex.get('drainSeconds'),routed=ex.get('routedPerSecond'),load=r['load'].split()[0])
        if 'delivery to execution start, under load, stage free' in n:
            out['free']=(r.get('p50ms'),r.get('p99ms'))
        if 'stage free: accepted to routed' in n:
            out['a2r']=(r.get('p50ms'),r.get('p99ms'))
    name=os.path.basename(f)[:-5]
    print(f"| {name} | {out['rx']:,.0f} | {out['routed']:,.0f} | {out['cwd']:.0f} | {out['drain']} | {out['free'][0]:.0f} / {out['free'][1]:.0f} | {out['a2r'][0]:.0f} / {out['a2r'][1]:.0f} | {out['load']} |")
