#!/bin/bash
# The quiet-machine run of every issue 17 figure (lead, stop 17).
set -u
cd /work/main
OUT=bench/results/quiet-2026-12-07-a
B=/tmp/qb/bin17
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
mkdir -p $OUT $B
go build -o $B/ ./cmd/superplane-server ./cmd/superplane-bench . ./bench/floorprovider || exit 1
git rev-parse --short HEAD > $OUT/commit.txt; uptime > $OUT/load.txt
$B/superplane-bench control --server-bin $B/superplane-server --duration 10s --skip-growth --phases secrets,busy,lists --out $OUT/control-sqlite.json 2>&1 | tee $OUT/control-sqlite.txt
$B/superplane-bench control --server-bin $B/superplane-server --database-url "$PG" --duration 10s --skip-growth --phases secrets,busy,lists --out $OUT/control-postgres.json 2>&1 | tee $OUT/control-postgres.txt
$B/superplane-bench engine --server-bin $B/superplane-server --executions 2000 --repeats 1 --out $OUT/engine-sqlite.json 2>&1 | tee $OUT/engine-sqlite.txt
$B/superplane-bench coldstart --server-bin $B/superplane-server --events 100000 --starts 5 --out $OUT/coldstart-sqlite.json 2>&1 | tee $OUT/coldstart-sqlite.txt
[ -n "${SKIP_TF:-}" ] || $B/superplane-bench terraform --server-bin $B/superplane-server --provider-bin $B/terraform-provider-superplane \
    --floor-provider-bin $B/floorprovider --terraform /usr/local/bin/terraform --sizes 100,1000 --parallelism 10 \
    --out $OUT/terraform.json 2>&1 | tee $OUT/terraform.txt
# Goal 3 side by side with the round's base and the staged floor, same minutes.
BB=/tmp/qb/base17
if [ ! -x $BB/superplane-server ]; then
  rm -rf /tmp/qb/basewt; git worktree add -q /tmp/qb/basewt 516d0d9 && (cd /tmp/qb/basewt && go build -o $BB/ ./cmd/superplane-server ./bench/busyfloor); git worktree remove --force /tmp/qb/basewt
fi
for i in 1 2; do
  $B/superplane-bench control --server-bin $BB/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-base-sqlite-$i.json > $OUT/busy-base-sqlite-$i.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-after-sqlite-$i.json > $OUT/busy-after-sqlite-$i.txt 2>&1
  $B/superplane-bench control --server-bin $BB/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-base-postgres-$i.json > $OUT/busy-base-postgres-$i.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-after-postgres-$i.json > $OUT/busy-after-postgres-$i.txt 2>&1
done
$B/superplane-bench floor --floor-bin $BB/busyfloor --staged --duration 5s --out $OUT/floor-staged-sqlite.json > $OUT/floor-staged-sqlite.txt 2>&1
$B/superplane-bench floor --floor-bin $BB/busyfloor --staged --database-url "$PG" --duration 5s --out $OUT/floor-staged-postgres.json > $OUT/floor-staged-postgres.txt 2>&1
for db in sqlite postgres; do
  U=""; [ $db = postgres ] && U="--database-url $PG"
  $B/superplane-bench control --server-bin $BB/superplane-server $U --phases tenants --tenant-stages 10 --skip-growth --duration 5s --out $OUT/tenants-base-$db.json > $OUT/tenants-base-$db.txt 2>&1
  $B/superplane-bench control --server-bin $B/superplane-server $U --phases tenants --tenant-stages 10 --skip-growth --duration 5s --out $OUT/tenants-after-$db.json > $OUT/tenants-after-$db.txt 2>&1
done
uptime >> $OUT/load.txt
