# Timeline of a traced run: per 100 ms of the c16 phase, the pending backlog
# (max of the 50 ms polls) and the free probes' accepted -> routed / started.
import sys
name = sys.argv[1]
bl = [tuple(map(float, l.split('\t'))) for l in open(name + '.backlog') if l.count('\t') == 1]
pr = [l.rstrip('\n').split('\t') for l in open(name + '.free')]
pr = [(int(p[1]) / 1e9, float(p[2]), float(p[3])) for p in pr]
pr.sort()
t0 = pr[0][0]
for t, routed, started in pr:
    win = [c for (s, c) in bl if t - 0.1 <= s <= t + 0.4]
    print(f"{t - t0:6.2f}s  routed {routed:7.1f}  started {started:7.1f}  backlog(-0.1..+0.4s) max {max(win) if win else -1:5.0f}")
