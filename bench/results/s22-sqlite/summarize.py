#!/usr/bin/env python3
"""Pairs table: each round's base and after (deliveries/s, server CPU µs a
delivery with the drain, stage-free p50/p99 ms), who is ahead, medians.
usage: summarize.py DIR"""
import re, sys, glob, statistics as st
d = sys.argv[1]
runs = {}
for f in glob.glob(f"{d}/busy-*.txt"):
    m = re.match(r".*/busy-(\w+)-(\d+)\.txt", f)
    b, i = m.group(1), int(m.group(2))
    t = open(f).read()
    dm = re.search(r"deliveries c16 +([0-9.]+)/s.*cpuUsWithDrain=([0-9.]+)", t)
    pm = re.search(r"under load, stage free  p50 +([0-9.]+)ms +p99 +([0-9.]+)ms", t)
    if dm:
        runs[(b, i)] = (float(dm.group(1)), float(dm.group(2)), float(pm.group(1)) if pm else None, float(pm.group(2)) if pm else None)
rounds = sorted({i for _, i in runs})
ahead = cpu_lower = n = 0
for i in rounds:
    if ("base", i) in runs and ("after", i) in runs:
        a, b = runs[("after", i)], runs[("base", i)]
        n += 1; ahead += a[0] > b[0]; cpu_lower += a[1] < b[1]
        print(f"{i}: base {b[0]:.0f}/s at {b[1]:.0f} µs, p50/p99 {b[2]}/{b[3]} | after {a[0]:.0f}/s at {a[1]:.0f} µs, p50/p99 {a[2]}/{a[3]}")
for b in ("base", "after"):
    v = [runs[k] for k in runs if k[0] == b]
    print(b, "median deliveries/s %.0f, CPU %.0f µs, p99 %.1f ms" % (st.median(x[0] for x in v), st.median(x[1] for x in v), st.median(x[3] for x in v if x[3])))
print(f"after ahead in deliveries/s {ahead} of {n}, lower CPU a delivery {cpu_lower} of {n}")
fl = []
for f in sorted(glob.glob(f"{d}/floor-*.txt")):
    m = re.search(r"staged deliveries c16 +([0-9.]+)/s.*cpu/op server +([0-9.]+)us.*deliveryToRoutedP99Ms=([0-9.]+)", open(f).read())
    if m:
        fl.append(tuple(float(x) for x in m.groups()))
        print(f"{f}: floor {m.group(1)}/s at {m.group(2)} µs, delivery→routed p99 {m.group(3)} ms")
if fl:
    print("floor median %.0f/s at %.0f µs" % (st.median(x[0] for x in fl), st.median(x[1] for x in fl)))
