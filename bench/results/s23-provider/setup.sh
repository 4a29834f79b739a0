#!/bin/bash
# setup.sh <bindir-before> <bindir-after>: one server per build (SQLite, its own data dir,
# fixed loopback ports), a token each, terraform rc files whose dev_overrides point at a
# wrapper recording each plugin process's own CPU (/usr/bin/time), and one directory per
# build and size holding the bench's configuration (gen.sh, the bench's mix).
set -e
B=$1 A=$2
SBS=/tmp/s23-provider/sbs
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p $SBS
declare -A port=([base]=36731 [new]=36732)
declare -A bin=([base]=$B [new]=$A [floor]=$B)
for v in base new; do
  d=$SBS/srv-$v; rm -rf $d; mkdir -p $d
  env -u SUPERPLANE_DATABASE_URL ${bin[$v]}/server serve --listen 127.0.0.1:${port[$v]} --data-dir $d/data > $d/log 2>&1 &
  echo $! > $SBS/server-$v.pid
  for i in $(seq 1 50); do curl -sf http://127.0.0.1:${port[$v]}/health >/dev/null && break; sleep 0.2; done
  ${bin[$v]}/server token create --org bench --role owner --data-dir $d/data > $SBS/token-$v
done
for v in base new floor; do
  p=$SBS/plugins-$v; mkdir -p $p
  real=${bin[$v]}/provider; [ $v = floor ] && real=$B/floor
  printf '#!/bin/bash\nexec /usr/bin/time -a -o %s -f "%%U %%S %%R %%M %%e" %s "$@"\n' $SBS/plugcpu-$v.log $real > $p/terraform-provider-superplane
  chmod +x $p/terraform-provider-superplane
  addr=registry.terraform.io/superplane/superplane; [ $v = floor ] && addr=registry.terraform.io/bench/superplane
  printf 'provider_installation {\n  dev_overrides {\n    "%s" = "%s"\n  }\n  direct {}\n}\n' $addr $p > $SBS/rc-$v
done
echo ok
