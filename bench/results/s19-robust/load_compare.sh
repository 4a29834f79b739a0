#!/usr/bin/env bash
# Runs the same tests from the base (main at 7534cc5) and this branch's -race test binaries,
# alternating, each run with four CPU hogs (bounded: killed after the run, at most 900 s).
# Binaries: go test -c -race -o /tmp/s19-robust-<pkg>-<base|after>.test ./internal/<pkg>/
set -u
out=${OUT:-/tmp/s19/compare}
mkdir -p "$out"
export SUPERPLANE_TEST_POSTGRES_URL=${SUPERPLANE_TEST_POSTGRES_URL:-'postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'}
SERVER='^(TestAWSSignedHTTPStage|TestAzureBearerHTTPStage|TestStageSecretNeverClippedIntoResult|TestRestartDuringExecution|TestGCPWorkloadIdentityStage|TestMongoDBAtlasHTTPStage|TestDatadogEndToEnd|TestHTTPStageEndToEnd|TestApprovalAndChain|TestRejectionsAnswerWhyAStageDidNotRun)$'
run() { # name binary dir regex count
	local name=$1 bin=$2 dir=$3 re=$4 count=$5 pids=()
	for _ in 1 2 3 4; do timeout 900 sh -c 'while :; do :; done' & pids+=($!); done
	local start=$SECONDS
	echo "== $name $(date -u +%T) $(uptime | sed 's/.*load/load/')" | tee -a "$out/summary.txt"
	(cd "$dir" && timeout 900 "$bin" -test.run "$re" -test.count="$count" -test.v -test.timeout=850s) > "$out/$name.txt" 2>&1
	kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
	echo "   $((SECONDS - start)) s; pass $(grep -c '^--- PASS' "$out/$name.txt"), fail $(grep -c '^--- FAIL' "$out/$name.txt"): $(grep '^--- FAIL' "$out/$name.txt" | awk '{print $3}' | sort | uniq -c | tr '\n' ' ')" | tee -a "$out/summary.txt"
}
for pair in 1 2; do
	run "server-base-$pair" /tmp/s19-robust-server-base.test /work/wt/s19-robust/internal/server "$SERVER" 2
	run "server-after-$pair" /tmp/s19-robust-server-after.test /work/wt/s19-robust/internal/server "$SERVER" 2
done
