import subprocess,sys,re
binp,prof,n=sys.argv[1],sys.argv[2],float(sys.argv[3])
out=subprocess.run(['go','tool','pprof','-top','-cum','-nodecount=100000',binp,prof],capture_output=True,text=True).stdout
cum={}
for l in out.splitlines():
    m=re.match(r'\s*(\S+)\s+[\d.]+%\s+[\d.]+%\s+([\d.]+)(m?s)\s+[\d.]+%\s+(.*)$',l)
    if m:
        v=float(m.group(2))*(0.001 if m.group(3)=="ms" else 1)
        k=m.group(4).replace(" (inline)","").strip(); cum[k]=max(cum.get(k,0),v)
def g(name):
    for k,v in cum.items():
        if k.endswith(name): return v
    return 0
P='github.com/superplane/terraform-provider-superplane/'
items=[('HTTP: net/http conn.serve (all)','net/http.(*conn).serve'),
('  server middleware ServeHTTP','internal/server.(*Server).ServeHTTP'),
('  webhook serve','internal/webhook.(*Handler).serve'),
('    logReply','internal/webhook.(*Handler).logReply'),
('receivers: insertEventBatch (group commit)','internal/store.(*db).insertEventBatch'),
('  insertEventRows (statements)','internal/store.(*db).insertEventRows'),
('routing: RouteEventsBatch','internal/store.(*db).RouteEventsBatch'),
('  claimEvents','internal/store.(*db).claimEvents'),
('  routeEvent (matching, decode)','internal/engine.(*Engine).routeEvent'),
('    filter Set.Match','internal/filter.(*Set).Match'),
('    stageProgramsOf (cache)','internal/engine.stageProgramsOf'),
('    DecodeRaw','internal/store.Event.DecodeRaw'),
('  prepareFiltered','internal/store.(*db).prepareFiltered'),
('  routeClaimed (tx)','internal/store.(*db).routeClaimed'),
('    writeFiltered','internal/store.(*db).writeFiltered'),
('    stillLeased','internal/store.(*db).stillLeased'),
('engine Run (executions)','internal/engine.(*Engine).Run'),
('commits (all)','internal/store.(*sqliteTx).Commit'),
('fdatasync','modernc.org/libc.Xfdatasync'),
('GC background','runtime.gcBgMarkWorker'),
('probes: listEvents','listEvents'),
]
m=re.search(r'Total samples = ([\d.]+)s',out)
tot=float(m.group(1))
print("total %.2fs, %d deliveries, %.0f us/delivery"%(tot,n,tot/n*1e6))
for label,k in items:
    v=g(k); print("%-44s %6.1f us  %5.1f%%"%(label,v/n*1e6,v/tot*100))
