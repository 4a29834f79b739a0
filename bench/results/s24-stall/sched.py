# Every 20 ms for DURATION s: /proc/PID/schedstat (ns on CPU, ns runnable
# but waiting for a CPU) of every postgres process and of the server's
# threads summed, one line a process a sample. Usage: sched.py OUT DURATION
import os, sys, time
out = open(sys.argv[1], 'w'); end = time.time() + float(sys.argv[2])
pids = {}; refresh = 0
while time.time() < end:
    now = time.time()
    if now > refresh:
        pids = {}
        for p in os.listdir('/proc'):
            if p.isdigit():
                try: c = open(f'/proc/{p}/comm').read().strip()
                except OSError: continue
                if c == 'postgres' or c.startswith('superplane-ser'):
                    pids[p] = c
        refresh = now + 0.1
    for l in open('/proc/stat'):
        if l.startswith('procs_running'):
            out.write(f"{now:.4f}\t0\tprocs_running\t{l.split()[1]}\t0\n")
    for p, c in list(pids.items()):
        try:
            if c == 'postgres':
                a, b, _ = open(f'/proc/{p}/schedstat').read().split()
            else:
                a = b = 0
                for t in os.listdir(f'/proc/{p}/task'):
                    x, y, _ = open(f'/proc/{p}/task/{t}/schedstat').read().split()
                    a += int(x); b += int(y)
            out.write(f"{now:.4f}\t{p}\t{c}\t{a}\t{b}\n")
        except (OSError, ValueError):
            pids.pop(p, None)
    time.sleep(max(0, 0.02 - (time.time() - now)))
