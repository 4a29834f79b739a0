#!/bin/bash
# Claim at routing, side by side on the quiet machine (lead, stop 16): before = c769a8c's
# binaries (/tmp/qb/bin, the quiet run of quiet-2026-12-06-e), after = this commit's server.
OUT=bench/results/quiet-2026-12-06-f; B=/tmp/qb/bin; PG='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
go build -o /tmp/qb/claim/ ./cmd/superplane-server
for i in 1 2; do
  $B/superplane-bench control --server-bin $B/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-before-sqlite-$i.json
  $B/superplane-bench control --server-bin /tmp/qb/claim/superplane-server --phases busy --skip-growth --duration 5s --out $OUT/busy-after-sqlite-$i.json
done
for i in 1 2 3; do  # pair 1 before first, pairs 2 and 3 as in load.txt order
  $B/superplane-bench control --server-bin $B/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-before-postgres-$i.json
  $B/superplane-bench control --server-bin /tmp/qb/claim/superplane-server --database-url "$PG" --phases busy --skip-growth --duration 5s --out $OUT/busy-after-postgres-$i.json
done
