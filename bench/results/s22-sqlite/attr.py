import re,sys
sys.path.insert(0,'bench/results/s22-sqlite')
path,leaf,n=sys.argv[1],sys.argv[2],int(sys.argv[3])
tops=[('storeEvents','storeEvents'),('routeClaimed','routeClaimed'),('readPending','readPending|readEvents'),('listEvents','listEvents|listExecutions|getExecution'),('engine','advancePass|claimLoop|runClaimed|Reconciler'),('checkpoint','walCheckpoint|Checkpoint')]
def traces(path):
    cur,val=[],None
    for line in open(path):
        if line.startswith("-----------+"):
            if val is not None: yield val,cur
            cur,val=[],None; continue
        m=re.match(r"^\s+(\d+(?:\.\d+)?)(ms|s)\s+(\S.*)$",line)
        if m:
            val=float(m.group(1))/(1000 if m.group(2)=="ms" else 1); cur=[m.group(3).strip()]; continue
        if val is not None and line.strip(): cur.append(line.strip())
    if val is not None: yield val,cur
by={}
for v,st in traces(path):
    if not any(re.search(leaf,f) for f in st): continue
    k='other'
    for name,pat in tops:
        if any(re.search(pat,f) for f in st): k=name;break
    by[k]=by.get(k,0)+v
for k,v in sorted(by.items(),key=lambda x:-x[1]): print(f"{k}: {v:.2f}s {1e6*v/n:.1f}us")
