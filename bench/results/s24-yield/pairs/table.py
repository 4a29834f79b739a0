# Pairs table: per run and medians per variant, for a set (argv[1]: u, r600, ...).
import json, glob, re, statistics as st, sys
s = sys.argv[1]
rows = {}
for f in sorted(glob.glob(f'{s}-*-*.json')):
    m = re.match(rf'{s}-(\d+)-(\w+)\.json', f)
    i, v = int(m[1]), m[2]
    d = json.load(open(f))
    R = {r['name']: r for r in d['results']}
    c16 = R['busy canvas (100 stages) deliveries c16']
    free = R['busy canvas: delivery to execution start, under load, stage free']
    idle = R['busy canvas: delivery to execution start, idle']
    load = open(f[:-5] + '.load').read().split('load average:')[1].split(',')[0].strip()
    rows.setdefault(i, {})[v] = dict(rps=c16['perSecond'], routed=c16['extra']['routedPerSecond'], cpu=c16['extra']['cpuUsWithDrain'],
        c16p99=c16['p99ms'], f50=free['p50ms'], f99=free['p99ms'], i50=idle['p50ms'], load=float(load))
vs = sorted({v for r in rows.values() for v in r}, key=lambda v: (v != 'base', v))
keys = ['rps', 'routed', 'cpu', 'c16p99', 'f50', 'f99', 'i50', 'load']
print('| pair | variant | ' + ' | '.join(keys) + ' |')
print('|---|---|' + '---:|' * len(keys))
for i in sorted(rows):
    for v in vs:
        if v in rows[i]:
            print(f'| {i} | {v} | ' + ' | '.join(f'{rows[i][v][k]:.1f}' for k in keys) + ' |')
print()
print('| median | ' + ' | '.join(keys) + ' | f99 lower than base in | rps higher than base in |')
print('|---|' + '---:|' * len(keys) + '---|---|')
for v in vs:
    xs = [rows[i][v] for i in rows if v in rows[i]]
    both = [i for i in rows if v in rows[i] and 'base' in rows[i]]
    lo = sum(rows[i][v]['f99'] < rows[i]['base']['f99'] for i in both)
    hi = sum(rows[i][v]['rps'] > rows[i]['base']['rps'] for i in both)
    print(f'| {v} ({len(xs)}) | ' + ' | '.join(f"{st.median(x[k] for x in xs):.1f}" for k in keys) + f' | {lo} of {len(both)} | {hi} of {len(both)} |')
