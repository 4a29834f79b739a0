#!/usr/bin/env bash
# Side by side: refresh-only plans of one applied state of N resources with the provider before
# and after, alternately; CPU of terraform with its plugin processes (children) and of the server.
set -euo pipefail
N=$1; REPS=$2
base=/tmp/s13/sbs/n$N; rm -rf $base; mkdir -p $base/data $base/before $base/after $base/after2 $base/work
cp /tmp/s13/before/terraform-provider-superplane $base/before/
cp /tmp/s13/after/terraform-provider-superplane $base/after/
cp /tmp/s13/after2/terraform-provider-superplane $base/after2/
srvbin=/tmp/s13/before/superplane-server
export SUPERPLANE_LISTEN= SUPERPLANE_BASE_URL= SUPERPLANE_DATABASE_URL= SUPERPLANE_ENCRYPTION_KEYS= SUPERPLANE_ENCRYPTION_KEYS_FILE=
$srvbin serve --listen 127.0.0.1:0 --data-dir $base/data 2> $base/server0.log & p0=$!; sleep 3; kill $p0; wait $p0 || true
tok=$($srvbin token create --org bench --role owner --data-dir $base/data)
$srvbin serve --listen 127.0.0.1:0 --data-dir $base/data 2> $base/server.log &
spid=$!
trap 'kill $spid' EXIT
for i in $(seq 1 300); do addr=$(grep -o '"addr":"[^"]*"' $base/server.log | head -1 | cut -d'"' -f4 || true); [ -n "$addr" ] && break; sleep 0.1; done
url=http://$addr
python3 /tmp/s13/sbs/gen.py $N sbs-n$N > $base/work/main.tf
rc() { printf 'provider_installation {\n  dev_overrides {\n    "registry.terraform.io/superplane/superplane" = "%s"\n  }\n  direct {}\n}\n' $1 > $base/rc-$(basename $1); echo $base/rc-$(basename $1); }
rcb=$(rc $base/before); rca=$(rc $base/after); rca2=$(rc $base/after2)
run() { # variant args...
  local v=$1; shift; local rcf=$rcb; [ $v = after ] && rcf=$rca; [ $v = after2 ] && rcf=$rca2
  local s0=$(awk '{print $14+$15}' /proc/$spid/stat)
  local t0=$(date +%s.%N)
  local cpu=$( { /usr/bin/env TF_CLI_CONFIG_FILE=$rcf TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 SUPERPLANE_API_URL=$url SUPERPLANE_API_TOKEN=$tok TF_LOG= \
     bash -c 'cd '$base'/work && terraform "$@" -no-color -input=false > /dev/null 2>>'$base'/tf.err; times' _ "$@" ; } | tail -1 | awk '{ split($1,a,"m"); split($2,b,"m"); sub("s","",a[2]); sub("s","",b[2]); print a[1]*60+a[2]+b[1]*60+b[2] }')
  local t1=$(date +%s.%N)
  local s1=$(awk '{print $14+$15}' /proc/$spid/stat)
  echo "$v $1 N=$N wall=$(echo "$t1 - $t0" | bc) tfCPU=$cpu serverCPU=$(echo "($s1 - $s0)/100" | bc -l | cut -c1-5) load=$(cut -d' ' -f1 /proc/loadavg)"
}
run before apply -auto-approve -parallelism=10
for r in $(seq 1 $REPS); do
  run before plan -refresh-only -parallelism=10
  run after plan -refresh-only -parallelism=10
  run after2 plan -refresh-only -parallelism=10
  run after2 plan -refresh-only -parallelism=10
  run after plan -refresh-only -parallelism=10
  run before plan -refresh-only -parallelism=10
done
