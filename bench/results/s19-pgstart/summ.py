#!/usr/bin/env python3
"""Summarise runs/*.txt (superplane-bench control --phases busy): per run
and median per build. Usage: summ.py PREFIX..."""
import glob, re, statistics, sys

def grab(text, label):
    m = re.search(re.escape(label) + r"\s+p50\s+([\d.]+)ms\s+p99\s+([\d.]+)ms", text)
    return (float(m.group(1)), float(m.group(2))) if m else (None, None)

rows = []
for prefix in sys.argv[1:] or [""]:
    for f in sorted(glob.glob(f"runs/{prefix}*.txt")):
        t = open(f).read()
        m = re.search(r"deliveries c16\s+([\d.]+)/s.*?server\s+(\d+)us.*?cpuUsWithDrain=([\d.]+)\s+drainSeconds=([\d.]+)\s+routedPerSecond=([\d.]+)\s+\[load ([\d.]+)", t)
        if not m:
            print(f, "incomplete"); continue
        name = f[5:-4]
        build = name.rsplit("-", 1)[1]
        free = grab(t, "busy canvas: delivery to execution start, under load, stage free")
        acc = grab(t, "busy canvas probe under load, stage free: accepted to routed (stage event created)")
        cs = grab(t, "busy canvas probe under load, stage free: execution created to started (claimed)")
        idle = grab(t, "busy canvas: delivery to execution start, idle")
        rows.append(dict(name=name, build=build, recv=float(m.group(1)), routed=float(m.group(5)), cpu=float(m.group(3)),
                         drain=float(m.group(4)), load=float(m.group(6)), free=free, acc=acc, cs=cs, idle=idle))
print("| run | load | c16 received / routed per s | CPU a delivery (with drain) | drain | stage free start p50 / p99 | accepted → routed p50 / p99 | created → started p50 / p99 | idle start p50 / p99 |")
print("|---|---|---|---|---|---|---|---|---|")
f2 = lambda p: f"{p[0]:.1f} / {p[1]:.1f}" if p[0] is not None else "—"
for r in rows:
    print(f"| {r['name']} | {r['load']:.1f} | {r['recv']:,.0f} / {r['routed']:,.0f} | {r['cpu']:.0f} µs | {r['drain']:.2f} s | {f2(r['free'])} | {f2(r['acc'])} | {f2(r['cs'])} | {f2(r['idle'])} |")
print()
for b in ("base", "after", "final"):
    rs = [r for r in rows if r["build"] == b]
    if not rs: continue
    med = lambda k, i=None: statistics.median([(r[k][i] if i is not None else r[k]) for r in rs if (r[k][i] if i is not None else r[k]) is not None])
    print(f"{b}: {len(rs)} runs; median received {med('recv'):,.0f}/s, routed {med('routed'):,.0f}/s, CPU {med('cpu'):.0f} µs, drain {med('drain'):.2f} s, "
          f"stage free p50 {med('free',0):.1f} p99 {med('free',1):.1f} ms, accepted→routed p99 {med('acc',1):.1f}, created→started p50 {med('cs',0):.1f} p99 {med('cs',1):.1f}, idle p50 {med('idle',0):.1f} p99 {med('idle',1):.1f}")
# pairs: after lower in how many
names = {r["name"]: r for r in rows}
pairs = []
for r in rows:
    if r["build"] != "base":
        b = names.get(r["name"].rsplit("-", 1)[0] + "-base")
        if b: pairs.append((b, r))
if pairs:
    lower = sum(1 for b, a in pairs if a["free"][1] is not None and b["free"][1] is not None and a["free"][1] < b["free"][1])
    ratio = statistics.median([a["recv"] / b["recv"] for b, a in pairs])
    print(f"{len(pairs)} pairs: after's stage-free p99 lower in {lower}; received after/base median {ratio:.2f}")
