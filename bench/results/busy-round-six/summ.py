import json,sys,glob
for f in sorted(glob.glob('res/%s-*.json'%sys.argv[1])):
    d=json.load(open(f))
    r={x['name']:x for x in d['results']}
    c1=r.get('busy canvas (100 stages) deliveries c1'); c16=r.get('busy canvas (100 stages) deliveries c16')
    free=[x for x in d['results'] if x['name'].startswith('busy canvas: delivery to execution start, under load, stage free')]
    fr=free[0] if free else {}
    ex=c16.get('extra',{})
    dr=ex.get('drainSeconds',0)
    routed=ex.get('routedPerSecond', c16['count']/(c16['seconds']+dr))
    print("%-22s c1 %4.0f/s %5.0fus max %5.1fms | c16 %5.0f/s %4.0fus (w/ drain %s) p99 %5.1fms drain %4.2fs routed %5.0f/s | free p50/p99 %6.1f/%6.1f | load %s"%(f[4:-5],c1['perSecond'],c1['serverCpuUsPerOp'],c1['maxMs'],c16['perSecond'],c16['serverCpuUsPerOp'],ex.get('cpuUsWithDrain','-'),c16['p99ms'],dr,routed,fr.get('p50ms',0),fr.get('p99ms',0),c16['load']))
