import re,sys,glob
def pp(lines,key):
    for l in lines:
        if key in l:
            m=re.search(r'p50 +(-?[\d.]+)ms +p99 +(-?[\d.]+)ms',l)
            if m: return "%s / %s"%(fmt(m.group(1)),fmt(m.group(2)))
            return "0 / 0"
    return "—"
def fmt(x):
    v=float(x)
    return "%.0f"%v if abs(v)>=10 else ("%.1f"%v if v!=0 else "0")
for f in sys.argv[1:]:
    L=open(f).read().splitlines()
    c=[l for l in L if 'deliveries c16' in l][0]
    m=re.search(r'c16 +([\d.]+)/s.*cpuUsWithDrain=([\d.]+) +drainSeconds=([\d.]+).*\[load ([\d.]+)',c)
    name=f.replace('.log','')
    print("| %s | %s/s | %s µs | %s s | %s | %s | %s | %s | %s | %s |"%(name,"{:,}".format(round(float(m.group(1)))),round(float(m.group(2))),m.group(3),
      pp(L,'start, under load, stage free'),pp(L,'stage free: accepted'),pp(L,'stage free: routed to execution'),pp(L,'stage free: execution created'),
      pp(L,'start, idle').split(' / ')[1],m.group(4)))
