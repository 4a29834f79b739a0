#!/bin/bash
# prof.sh <bindir> <n> <outdir>: a server of its own with SUPERPLANE_CPUPROFILE, an apply of n
# resources then a refresh-only plan with the provider's profiles (SUPERPLANE_PROVIDER_CPUPROFILE),
# the server stopped by SIGTERM so its profile is written.
set -e
B=$1 n=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
SBS=/tmp/s22-provider/sbs
d=$SBS/prof-$n; rm -rf $d; mkdir -p $d/cfg $out/apply $out/refresh $out/server
env -u SUPERPLANE_DATABASE_URL SUPERPLANE_CPUPROFILE=$out/server $B/server serve --listen 127.0.0.1:36723 --data-dir $d/data > $d/log 2>&1 &
spid=$!
for i in $(seq 1 50); do curl -sf http://127.0.0.1:36723/health >/dev/null && break; sleep 0.2; done
tok=$($B/server token create --org bench --role owner --data-dir $d/data)
mkdir -p $d/plugins; cp $B/provider $d/plugins/terraform-provider-superplane
printf 'provider_installation {\n  dev_overrides {\n    "registry.terraform.io/superplane/superplane" = "%s"\n  }\n  direct {}\n}\n' $d/plugins > $d/rc
$here/gen.sh $n superplane/superplane bench-prof > $d/cfg/main.tf
cd $d/cfg
export TF_CLI_CONFIG_FILE=$d/rc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPERPLANE_API_URL=http://127.0.0.1:36723 SUPERPLANE_API_TOKEN=$tok
SUPERPLANE_PROVIDER_CPUPROFILE=$out/apply timeout 1200 terraform apply -auto-approve -no-color -input=false -parallelism=10 > $d/apply.log 2>&1
SUPERPLANE_PROVIDER_CPUPROFILE=$out/refresh timeout 1200 terraform plan -refresh-only -no-color -input=false -parallelism=10 > $d/refresh.log 2>&1
kill -TERM $spid; wait $spid || true
echo done; uptime
