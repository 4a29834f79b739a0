#!/bin/bash
# profserver.sh <bindir> <n> <applies> <out.pprof-dir>: a server of its own under
# SUPERPLANE_CPUPROFILE through <applies> applies of n resources (each a fresh canvas and
# state), stopped by SIGTERM so its profile is written: enough samples for a create's costs.
set -e
B=$1 n=$2 k=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
d=/tmp/s23-provider/profsrv; rm -rf $d; mkdir -p $d/plugins $out
env -u SUPERPLANE_DATABASE_URL SUPERPLANE_CPUPROFILE=$out $B/server serve --listen 127.0.0.1:36735 --data-dir $d/data > $d/log 2>&1 &
spid=$!
for i in $(seq 1 50); do curl -sf http://127.0.0.1:36735/health >/dev/null && break; sleep 0.2; done
tok=$($B/server token create --org bench --role owner --data-dir $d/data 2>/dev/null)
cp $B/provider $d/plugins/terraform-provider-superplane
printf 'provider_installation {\n  dev_overrides {\n    "registry.terraform.io/superplane/superplane" = "%s"\n  }\n  direct {}\n}\n' $d/plugins > $d/rc
export TF_CLI_CONFIG_FILE=$d/rc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPERPLANE_API_URL=http://127.0.0.1:36735 SUPERPLANE_API_TOKEN=$tok
s0=$(awk '{print $14+$15}' /proc/$spid/stat)
for i in $(seq 1 $k); do
  mkdir -p $d/cfg$i; $here/gen.sh $n superplane/superplane bench-prof-$i > $d/cfg$i/main.tf
  (cd $d/cfg$i && timeout 600 terraform apply -auto-approve -no-color -input=false -parallelism=10 > apply.log 2>&1) || echo "apply $i failed"
done
s1=$(awk '{print $14+$15}' /proc/$spid/stat)
kill -TERM $spid; wait $spid || true
echo "server cpu over $k applies: $(echo "scale=2; ($s1-$s0)/100" | bc) s"; uptime
