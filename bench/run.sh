#!/usr/bin/env bash
# Runs the measurements BENCHMARKS.md reports and writes them under bench/results/:
#
#   go-bench.txt           Go benchmarks of the hot paths (make bench-go)
#   control-sqlite.json    the control plane on SQLite: deliveries, secrets, latency to an
#                          execution, memory, and reads at 1k/10k/100k stored events and secrets
#                          (and a busy canvas of 100 filtered stages, and lists of
#                          10/300/1,000 stages, sources and executions)
#   control-postgres.json  the same on PostgreSQL, when SUPERPLANE_TEST_POSTGRES_URL is set
#                          (a fresh database is created there and dropped afterwards)
#   engine-<db>.json       noop executions per second, with and without the per-org cap
#   coldstart-<db>.json    serve to /ready 200 on a database of 100k events, and memory
#   terraform.json         provider overhead: apply, refresh-only plan and destroy of N
#                          resources next to the same N resources of the plugin floor
#                          (bench/floorprovider: same schemas, no work) and N
#                          terraform_data resources
#   summary.md             the JSON files above as Markdown tables
#
# usage: bench/run.sh [full|quick] [control|terraform|all]
#   full   (make bench): 10s phases, levels 1k/10k/100k, N = 100/500/1000
#   quick  (make bench-quick): 3s phases, levels 1k/10k, N = 100; the tables are printed,
#          nothing is written under bench/results/
#
# Everything runs on loopback: each benchmark starts its own server on a free port with a
# temp data dir. The machine is shared, so each result records /proc/loadavg; compare
# figures taken at low load.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode="${1:-full}"
what="${2:-all}"
case "$mode" in full | quick) ;; *) echo "usage: $0 [full|quick] [control|terraform|all]" >&2; exit 2 ;; esac
case "$what" in control | terraform | all) ;; *) echo "usage: $0 [full|quick] [control|terraform|all]" >&2; exit 2 ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/superplane-bench-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ "$mode" = full ]; then
	results="$repo/bench/results"
	duration=10s levels=1000,10000,100000 sizes=100,500,1000
	lists=10,300,1000 executions=2000 repeats=2 coldevents=100000 starts=5
else
	results="$tmp/results"
	duration=3s levels=1000,10000 sizes=100
	lists=10,300 executions=500 repeats=1 coldevents=10000 starts=3
fi
mkdir -p "$results"

echo "==> building superplane-server, terraform-provider-superplane and superplane-bench into $tmp/bin"
(cd "$repo" && go build -o "$tmp/bin/superplane-server" ./cmd/superplane-server &&
	go build -o "$tmp/bin/terraform-provider-superplane" . &&
	go build -o "$tmp/bin/superplane-bench" ./cmd/superplane-bench &&
	go build -o "$tmp/bin/floorprovider" ./bench/floorprovider)
bench="$tmp/bin/superplane-bench"

echo "==> machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$what" = control ] || [ "$what" = all ]; then
	echo "==> control plane on SQLite"
	"$bench" control --server-bin "$tmp/bin/superplane-server" --duration "$duration" --levels "$levels" \
		--list-sizes "$lists" --out "$results/control-sqlite.json"
	"$bench" engine --server-bin "$tmp/bin/superplane-server" --executions "$executions" --repeats "$repeats" \
		--out "$results/engine-sqlite.json"
	"$bench" coldstart --server-bin "$tmp/bin/superplane-server" --events "$coldevents" --starts "$starts" \
		--out "$results/coldstart-sqlite.json"
	if [ -n "${SUPERPLANE_TEST_POSTGRES_URL:-}" ]; then
		echo "==> control plane on PostgreSQL"
		"$bench" control --server-bin "$tmp/bin/superplane-server" --database-url "$SUPERPLANE_TEST_POSTGRES_URL" \
			--duration "$duration" --levels "$levels" --list-sizes "$lists" --out "$results/control-postgres.json"
		"$bench" engine --server-bin "$tmp/bin/superplane-server" --database-url "$SUPERPLANE_TEST_POSTGRES_URL" \
			--executions "$executions" --repeats "$repeats" --out "$results/engine-postgres.json"
		"$bench" coldstart --server-bin "$tmp/bin/superplane-server" --database-url "$SUPERPLANE_TEST_POSTGRES_URL" \
			--events "$coldevents" --starts "$starts" --out "$results/coldstart-postgres.json"
	else
		echo "==> PostgreSQL skipped: set SUPERPLANE_TEST_POSTGRES_URL (scripts/start-postgres.sh starts one)"
	fi
fi

if [ "$what" = terraform ] || [ "$what" = all ]; then
	terraform="${TERRAFORM:-$(command -v terraform || true)}"
	if [ -z "$terraform" ]; then
		echo "==> provider overhead skipped: terraform not found (set TERRAFORM)"
	else
		echo "==> provider overhead against terraform_data ($(TF_CLI_CONFIG_FILE=/dev/null "$terraform" version 2>/dev/null | head -n1))"
		"$bench" terraform --server-bin "$tmp/bin/superplane-server" \
			--provider-bin "$tmp/bin/terraform-provider-superplane" --floor-provider-bin "$tmp/bin/floorprovider" \
			--terraform "$terraform" \
			--sizes "$sizes" --parallelism 10,50 --out "$results/terraform.json"
	fi
fi
summary=()
for f in control-sqlite control-postgres engine-sqlite engine-postgres coldstart-sqlite coldstart-postgres terraform; do
	[ -f "$results/$f.json" ] && summary+=("$results/$f.json")
done
if [ "${#summary[@]}" -gt 0 ]; then
	"$bench" summary "${summary[@]}" >"$results/summary.md"
fi
if [ "$mode" = full ]; then
	echo "==> results in $results (tables: $results/summary.md)"
elif [ -f "$results/summary.md" ]; then
	echo "==> quick results (not kept):"
	cat "$results/summary.md"
fi
