# Prints p50 ms / server CPU us a list for each list, before and after, pair by pair.
import json,glob
rows={}
for f in sorted(glob.glob('*-*-[0-9].json')):
    db,bin,pair=f[:-5].split('-')
    for r in json.load(open(f))['results']:
        n=r['name']
        if 'list' in n and ('300' in n or '1000' in n):
            rows.setdefault((db,n),{})[(bin,pair)]=(r.get('p50ms'), r.get('serverCpuUsPerOp'))
for (db,n),v in sorted(rows.items()):
    print(db, n, ' | '.join(f"{b}{p}: {x[0]}/{x[1]}" for (b,p),x in sorted(v.items(), key=lambda kv:(kv[0][1],kv[0][0]!='before'))))
