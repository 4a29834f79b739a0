# Prints the throughput phases of every run side by side: per second and
# server CPU per operation, with the load before each run.
import json, glob, os
here = os.path.dirname(os.path.abspath(__file__))
names = ["secret create+get pairs c1", "secret create+get pairs c16",
         "busy canvas (100 stages) deliveries c1", "busy canvas (100 stages) deliveries c16"]
for f in sorted(glob.glob(os.path.join(here, "*-[0-9].json")), key=lambda f: (f[-6], f)):
    d = json.load(open(f))
    rows = {r["name"]: r for r in d["results"]}
    cells = ["%s %6.1f/s %6.0fus" % (n.split(" ")[0] + n.split(" ")[-1], rows[n]["perSecond"], rows[n]["serverCpuUsPerOp"]) for n in names if n in rows]
    print("%-12s load %-18s %s" % (os.path.basename(f)[:-5], d.get("loadBefore"), " | ".join(cells)))
