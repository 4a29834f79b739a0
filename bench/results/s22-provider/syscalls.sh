#!/bin/bash
# syscalls.sh <bindir> <n> <label>: the server under `strace -f -c` (its write, sync and read
# system calls: counts do not depend on the machine's load) through one apply of n resources.
B=$1 n=$2 label=$3
here=$(cd "$(dirname "$0")" && pwd)
d=/tmp/s22-provider/sys-$label; rm -rf $d; mkdir -p $d/cfg $d/plugins
strace -f -c -e trace=fdatasync,fsync,pwrite64,pread64 -o $d/strace.txt env -u SUPERPLANE_DATABASE_URL $B/server serve --listen 127.0.0.1:36724 --data-dir $d/data > $d/log 2>&1 &
sp=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:36724/health >/dev/null && break; sleep 0.2; done
tok=$($B/server token create --org bench --role owner --data-dir $d/data 2>/dev/null)
cp $B/provider $d/plugins/terraform-provider-superplane
printf 'provider_installation {\n  dev_overrides {\n    "registry.terraform.io/superplane/superplane" = "%s"\n  }\n  direct {}\n}\n' $d/plugins > $d/rc
$here/gen.sh $n superplane/superplane bench-sys > $d/cfg/main.tf
cd $d/cfg
TF_CLI_CONFIG_FILE=$d/rc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPERPLANE_API_URL=http://127.0.0.1:36724 SUPERPLANE_API_TOKEN=$tok timeout 600 terraform apply -auto-approve -no-color -input=false -parallelism=10 > $d/apply.log 2>&1
echo "apply rc=$?"
kill -INT $(pgrep -P $sp); wait $sp
echo "== $label n=$n"; cat $d/strace.txt
