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
items=[('net/http conn.serve (all HTTP)','net/http.(*conn).serve'),
('  server middleware ServeHTTP','internal/server.(*Server).ServeHTTP'),
('  request log line','internal/server.(*Server).ServeHTTP.func1'),
('  webhook serve','internal/webhook.(*Handler).serve'),
('    receive','internal/webhook.(*Handler).receive'),
('    source lookup','internal/server.receiverSources.Lookup'),
('      FindEventSourceForDelivery','internal/store.(*db).FindEventSourceForDelivery'),
('      OpenSourceKey','internal/sealer.(*Sealer).OpenSourceKey'),
('    readBody','internal/webhook.(*Handler).readBody'),
('    verifySignature','internal/webhook.verifySignature'),
('    json.Valid','encoding/json.Valid'),
('    deliveryHeaders','internal/webhook.deliveryHeaders'),
('    sink.Store','internal/server.receiverSink.Store'),
('    logReply','internal/webhook.(*Handler).logReply'),
('    writeReply','internal/webhook.writeReply'),
('insertEventBatch (group commit)','internal/store.(*db).insertEventBatch'),
('  statements','internal/store.(*db).storeEvents.func1'),
('  insertEvent','internal/store.(*db).insertEvent'),
('routing RouteEventsTo','internal/store.(*db).RouteEventsTo'),
('engine Run','internal/engine.(*Engine).Run'),
]
total=sum([0])
m=re.search(r'Total samples = ([\d.]+)s',out)
tot=float(m.group(1))
print("total %.2fs, %d deliveries, %.0f us/delivery"%(tot,n,tot/n*1e6))
for label,k in items:
    v=g(k); print("%-36s %6.1f us  %5.1f%%"%(label,v/n*1e6,v/tot*100))
