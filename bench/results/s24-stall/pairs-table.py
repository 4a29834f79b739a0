# Medians of the side-by-side runs (pairs.sh): stage-free delivery -> start
# p50/p99, c16 deliveries/s, server CPU a delivery with the drain, load.
import re, glob, statistics, os
HERE = os.path.dirname(os.path.abspath(__file__)) + '/pairs/'
def get(path):
    t = open(path).read()
    m = re.search(r'delivery to execution start, under load, stage free\s+p50\s+([\d.]+)ms\s+p99\s+([\d.]+)ms', t)
    c = re.search(r'deliveries c16\s+([\d.]+)/s.*?cpuUsWithDrain=([\d.]+)', t)
    l = re.search(r'load average: ([\d.]+)', open(path.replace('.txt', '.load')).read())
    return (float(m.group(1)), float(m.group(2)), float(c.group(1)), float(c.group(2)), float(l.group(1))) if m and c else None
rows = []
for i in range(1, 20):
    b, a = HERE + f'base-{i}.txt', HERE + f'after-{i}.txt'
    if os.path.exists(b) and os.path.exists(a) and get(b) and get(a):
        rows.append((i, get(b), get(a)))
names = ['stage-free p50 ms', 'stage-free p99 ms', 'c16 deliveries/s', 'server CPU us/delivery (drain)', 'load at start']
print('| pair | ' + ' | '.join(f'{n} base / after' for n in names[:4]) + ' | load |')
print('|---' * 6 + '|')
for i, b, a in rows:
    print(f'| {i} | ' + ' | '.join(f'{b[k]:.1f} / {a[k]:.1f}' for k in range(4)) + f' | {b[4]:.2f}, {a[4]:.2f} |')
better = [lambda b, a: a < b, lambda b, a: a < b, lambda b, a: a > b, lambda b, a: a < b]
print(f'\nmedians over {len(rows)} pairs:')
for k in range(4):
    mb = statistics.median(r[1][k] for r in rows); ma = statistics.median(r[2][k] for r in rows)
    n = sum(1 for r in rows if better[k](r[1][k], r[2][k]))
    print(f'- {names[k]}: base {mb:.1f}, after {ma:.1f}; after better in {n} of {len(rows)}')
