#!/bin/bash
# The quiet-machine run of every issue 17 figure (lead, stop 14).
set -u
cd /work/main
OUT=bench/results/quiet-2026-12-06-c
B=/tmp/qb/bin
PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
mkdir -p $OUT $B
go build -o $B/ ./cmd/superplane-server ./cmd/superplane-bench . ./bench/floorprovider || exit 1
git rev-parse --short HEAD > $OUT/commit.txt
$B/superplane-bench control --server-bin $B/superplane-server --duration 10s --skip-growth --phases secrets,busy,lists --out $OUT/control-sqlite.json 2>&1 | tee $OUT/control-sqlite.txt
$B/superplane-bench control --server-bin $B/superplane-server --database-url "$PG" --duration 10s --skip-growth --phases secrets,busy,lists --out $OUT/control-postgres.json 2>&1 | tee $OUT/control-postgres.txt
$B/superplane-bench engine --server-bin $B/superplane-server --executions 2000 --repeats 1 --out $OUT/engine-sqlite.json 2>&1 | tee $OUT/engine-sqlite.txt
$B/superplane-bench coldstart --server-bin $B/superplane-server --events 100000 --starts 5 --out $OUT/coldstart-sqlite.json 2>&1 | tee $OUT/coldstart-sqlite.txt
$B/superplane-bench terraform --server-bin $B/superplane-server --provider-bin $B/terraform-provider-superplane \
    --floor-provider-bin $B/floorprovider --terraform /usr/local/bin/terraform --sizes 100,1000 --parallelism 10 \
    --out $OUT/terraform.json 2>&1 | tee $OUT/terraform.txt
