import subprocess, sys, collections
data = sys.argv[1]
out = subprocess.run(['perf','script','-i',data,'--comms','terraform','-F','ip,dso'], capture_output=True, text=True).stdout
stacks=[]; cur=[]
for line in out.splitlines():
    line=line.strip()
    if not line:
        if cur: stacks.append(cur); cur=[]
        continue
    if '/usr/local/bin/terraform' not in line: continue
    cur.append(hex(int(line.split()[0],16)+0x400000))
if cur: stacks.append(cur)
addrs=sorted({a for s in stacks for a in s})
p=subprocess.run(['go','tool','addr2line','/usr/local/bin/terraform'],input='\n'.join(addrs)+'\n',capture_output=True,text=True)
lines=p.stdout.splitlines()
name={}
for i,a in enumerate(addrs):
    name[a]=lines[2*i] if 2*i < len(lines) else '?'
flat=collections.Counter(); cum=collections.Counter()
for s in stacks:
    flat[name[s[0]]]+=1
    for f in {name[a] for a in s}: cum[f]+=1
n=len(stacks)
print('samples',n)
mode=sys.argv[2] if len(sys.argv)>2 else 'cum'
c = cum if mode=='cum' else flat
pat = sys.argv[3] if len(sys.argv)>3 else ''
for f,k in c.most_common(400):
    if pat in f:
        print('%5.1f%% %s'%(100*k/n,f))
