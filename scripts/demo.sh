#!/usr/bin/env bash
# The five-minute tour: build the provider and the server, start a throwaway server, apply
# examples/quickstart with the freshly built provider, show that a second plan is empty, post
# a signed event to the quickstart's webhook source and show the deploy stage's execution pass.
#
# Nothing is downloaded: a dev_overrides CLI config points Terraform at the built provider,
# so no `terraform init` is needed. GitHub and Semaphore are local stand-ins (the fakes the
# tests use, served by internal/fake/cmd/superplane-fakes on loopback), so the GitHub
# integration verifies and its repository webhook is provisioned without network or a real
# token. Everything lives in one temp dir, removed on exit together with the processes, so
# the repository stays clean.
#
# With EXAMPLE=examples/chain (make demo-chain) it runs the deploy chain end to end after the
# apply (scripts/demo-chain.py): a push to the local GitHub builds with its GitHub Actions,
# whose run posts VERSION back, a security scan joins the build in a connection group, the
# deploy is approved with the superplane CLI and the local Semaphore deploys that version;
# then it prints the chain's Terraform outputs.
#
# Environment:
#   KEEP=1      leave the server running and the temp dir in place, and print how to use them
#   EXAMPLE=dir the configuration to apply (default: examples/quickstart; examples/chain runs
#               the deploy chain, which needs the local stand-ins: FAKES=1)
#   FAKES=0     no local GitHub: the integration talks to github.com with the quickstart's
#               placeholder token (or TF_VAR_github_token) and shows why it failed
#   TERRAFORM   the terraform binary (default: terraform in PATH)
#   DEMO_WAIT=s how long each step of the deploy chain may take, in seconds (default 60)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
example="${EXAMPLE:-$repo/examples/quickstart}"
terraform="${TERRAFORM:-$(command -v terraform || true)}"
keep="${KEEP:-0}"
fakes="${FAKES:-1}"
chain=0
if [ "$(basename "$example")" = chain ]; then chain=1; fi

current_step="setup"
step() { current_step="$*"; printf '\n==> %s\n' "$*"; }
fail() { printf '\ndemo: %s\n' "$*" >&2; exit 1; }

[ -n "$terraform" ] || fail "terraform not found in PATH (set TERRAFORM=/path/to/terraform)"
[ -d "$example" ] || fail "no example configuration at $example"
if [ "$chain" = 1 ]; then
	[ "$fakes" = 1 ] || fail "the deploy chain runs against the local GitHub and Semaphore only (FAKES=1)"
	command -v python3 >/dev/null || fail "python3 not found in PATH (the deploy chain's steps are a python script)"
fi
command -v go >/dev/null || fail "go not found in PATH"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/superplane-demo.XXXXXX")
server_pid=""
fakes_pid=""

cleanup() {
	local rc=$?
	if [ "$keep" = 1 ] && [ "$rc" -eq 0 ]; then
		return
	fi
	if [ -n "$fakes_pid" ]; then
		kill -TERM "$fakes_pid" 2>/dev/null || true
		wait "$fakes_pid" 2>/dev/null || true
	fi
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		# Bounded wait for a graceful shutdown, then force it.
		for _ in $(seq 1 50); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ]; then
		if [ -s "$tmp/server.log" ]; then
			echo "--- last server log lines ($tmp/server.log) ---" >&2
			tail -n 20 "$tmp/server.log" >&2 || true
		fi
		printf '\ndemo FAILED (exit %d) during: %s\n' "$rc" "$current_step" >&2
	fi
	if [ "$keep" = 1 ]; then
		echo "KEEP=1: left $tmp in place" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: bind port 0 and read back what the kernel chose. Without python3,
# try random high ports until one refuses connections.
free_port() {
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
		return
	fi
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	fail "no free loopback port found"
}

http_ok() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
		return
	fi
	# Without curl: plain HTTP/1.0 over bash's /dev/tcp, enough to read the status line.
	local hostport=${1#http://}
	hostport=${hostport%%/*}
	(
		exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}"
		printf 'GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n' "${1#http://*/}" "$hostport" >&3
		read -r -t 2 _ status _ <&3
		[ "$status" = 200 ]
	) 2>/dev/null
}

step "Building terraform-provider-superplane, superplane-server and the local GitHub into $tmp/bin"
echo "(the first build compiles every dependency and can take several minutes on a cold cache; later ones take seconds)"
mkdir -p "$tmp/bin"
(cd "$repo" && go build -o "$tmp/bin/terraform-provider-superplane" . \
	&& go build -o "$tmp/bin/superplane-server" ./cmd/superplane-server \
	&& go build -o "$tmp/bin/superplane-fakes" ./internal/fake/cmd/superplane-fakes \
	&& if [ "$chain" = 1 ]; then go build -o "$tmp/bin/superplane" ./cmd/superplane; fi) &
build_pid=$!
# A heartbeat, so that a cold build does not look like a hang. Bounded: the build either
# ends or the loop gives up after an hour.
waited=0
while kill -0 "$build_pid" 2>/dev/null && [ "$waited" -lt 3600 ]; do
	sleep 1
	waited=$((waited + 1))
	if [ $((waited % 20)) -eq 0 ]; then echo "  still building (${waited}s)..."; fi
done
wait "$build_pid" || fail "go build failed"
echo "built in ${waited}s"

# The server's port is chosen first: in the chain, the local GitHub's runs call the server
# back with their outputs, so the fakes must know its URL when they start.
port=$(free_port)
api_url="http://127.0.0.1:$port"

server_env=()
fakes_args=()
if [ "$chain" = 1 ]; then
	fakes_args=(-superplane-url "$api_url")
	# Executions are polled every second rather than every 5: the chain takes seconds.
	server_env=(SUPERPLANE_POLL_INTERVAL=1s)
fi
if [ "$fakes" = 1 ]; then
	step "Starting a local stand-in for GitHub and Semaphore (test fakes on loopback; no network needed)"
	"$tmp/bin/superplane-fakes" -out "$tmp/fakes.env" ${fakes_args[@]+"${fakes_args[@]}"} 2>"$tmp/fakes.log" &
	fakes_pid=$!
	for _ in $(seq 1 100); do
		[ -s "$tmp/fakes.env" ] && break
		kill -0 "$fakes_pid" 2>/dev/null || fail "superplane-fakes exited: $(cat "$tmp/fakes.log")"
		sleep 0.1
	done
	[ -s "$tmp/fakes.env" ] || fail "superplane-fakes did not start within 10s"
	fake_github=$(sed -n 's/^GITHUB_API_URL=//p' "$tmp/fakes.env")
	fake_semaphore=$(sed -n 's/^SEMAPHORE_API_URL=//p' "$tmp/fakes.env")
	echo "GitHub API: $fake_github (organization superplanehq, repository superplane, a token only it accepts)"
	# The server calls nothing on loopback unless told to: the fakes live there.
	server_env+=(SUPERPLANE_GITHUB_API_URL="$fake_github" SUPERPLANE_SEMAPHORE_API_URL="$fake_semaphore"
		SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8)
	echo "the server is told to use it: SUPERPLANE_GITHUB_API_URL, SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8"
	if [ "$chain" = 1 ]; then
		echo "GitHub Actions: workflow build.yml of superplanehq/superplane passes and posts VERSION=1.2.3 to $api_url"
		echo "Semaphore API: $fake_semaphore (project app, whose pipelines pass)"
	fi
fi
step "Starting superplane-server on $api_url (data dir $tmp/data, embedded SQLite)"
# The demo always uses its own SQLite database, whatever the caller's environment says.
env -u SUPERPLANE_DATABASE_URL -u SUPERPLANE_LISTEN -u SUPERPLANE_DATA_DIR ${server_env[@]+"${server_env[@]}"} \
	"$tmp/bin/superplane-server" serve --listen "127.0.0.1:$port" --data-dir "$tmp/data" \
	2>"$tmp/server.log" &
server_pid=$!

ready=0
for _ in $(seq 1 150); do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		wait "$server_pid" || true
		server_pid=""
		fail "superplane-server exited during startup"
	fi
	if http_ok "$api_url/health"; then
		ready=1
		break
	fi
	sleep 0.2
done
[ "$ready" = 1 ] || fail "superplane-server did not answer GET /health within 30s"
echo "GET $api_url/health -> 200"

step "Creating an owner API token for organization 'demo'"
# The token goes to a file only readable by this user, never to the terminal.
(umask 077 && env -u SUPERPLANE_DATABASE_URL "$tmp/bin/superplane-server" token create \
	--data-dir "$tmp/data" --org demo --role owner --user demo@example.com \
	>"$tmp/token" 2>>"$tmp/server.log") || fail "superplane-server token create failed"
token=$(cat "$tmp/token")
[ -n "$token" ] || fail "superplane-server token create printed no token"
echo "token created and kept in $tmp/token (not shown)"

step "Pointing Terraform at the built provider (dev_overrides, no registry download)"
cat >"$tmp/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/superplane/superplane" = "$tmp/bin"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$tmp/terraformrc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
export SUPERPLANE_API_URL="$api_url"
export SUPERPLANE_API_TOKEN="$token"
echo "TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE"
echo "(Terraform warns about the development override below; that is expected here.)"

if [ "$fakes" = 1 ]; then
	# The fake's token reaches Terraform through the environment, never the command line,
	# and as a write-only value it stays out of the state.
	TF_VAR_github_token=$(sed -n 's/^TOKEN=//p' "$tmp/fakes.env")
	export TF_VAR_github_token
	if [ "$chain" = 1 ]; then
		# The local Semaphore accepts the same token.
		export TF_VAR_semaphore_token="$TF_VAR_github_token"
		export TF_VAR_verify=true
		echo "TF_VAR_github_token, TF_VAR_semaphore_token=(the local stand-ins' token, not shown) TF_VAR_verify=true"
	else
		export TF_VAR_verify_github=true
		echo "TF_VAR_github_token=(the local GitHub's token, not shown) TF_VAR_verify_github=true"
	fi
fi

work="$tmp/work"
mkdir -p "$work"
cp -R "$example/." "$work/"
rm -rf "$work/.terraform" "$work"/terraform.tfstate* "$work/.terraform.lock.hcl"
cd "$work"

step "terraform apply ($(basename "$example"), copied to $work)"
"$terraform" apply -auto-approve -input=false -no-color

step "terraform output"
"$terraform" output -no-color
if [ "$(basename "$example")" = quickstart ]; then
	if [ "$fakes" = 1 ]; then
		cat <<'EOF'

What the outputs say:
  integration_status    the server checked the integration's token with GitHub (here the
                        local stand-in) and stored the result; with a real token and
                        api.github.com it is the same call.
  github_webhook_state  the server created the repository's webhook on GitHub, pointing at
                        its own receiver, and checks it from time to time.
  webhook_url / _key    where CI posts events for the custom webhook source, and the key it
                        signs them with (X-Signature-256); the next steps post one.
  secret_keys           key names only: secret values are never returned by the API.
EOF
	else
		cat <<'EOF'

What the outputs say (FAKES=0, so the integration talks to the real github.com):
  integration_status    "failed" with the placeholder token, or with no route to GitHub:
                        its reason says which. Set TF_VAR_github_token to a real token and
                        TF_VAR_verify_github=true to make the apply fail instead.
  github_webhook_state  "failed" for the same reason: no hook could be created; the server
                        keeps retrying, and destroy does not need GitHub (force_destroy).
EOF
	fi
fi
if [ "$chain" = 1 ]; then
	cat <<'EOF'

What the outputs say:
  integration_status    the server checked both tokens with the local GitHub and Semaphore.
  github_webhook_state  the server created the repository's webhook on GitHub, pointing at
                        its own receiver: the next step pushes through it.
  security_scan_*       where the scanner posts its results, and the key it signs them with.
  chain                 each stage's newest run: nothing has run yet; the next steps push
                        and this output is printed again at the end.
EOF
fi

step "terraform plan -detailed-exitcode (a converged configuration plans no changes)"
set +e
"$terraform" plan -detailed-exitcode -input=false -no-color
plan_rc=$?
set -e
case "$plan_rc" in
0) echo "converged: the second plan has no changes" ;;
2) fail "the second plan wants changes right after apply: the provider does not converge" ;;
*) fail "terraform plan failed (exit $plan_rc)" ;;
esac

if [ "$chain" = 1 ]; then
	step "Running the deploy chain: push, build, security scan, release notes, approval, deploy"
	# The keys and tokens reach python through the environment, not the command line.
	DEMO_CONTROL_URL=$(sed -n 's/^CONTROL_URL=//p' "$tmp/fakes.env") \
	DEMO_FAKES_TOKEN=$TF_VAR_github_token \
	DEMO_SCAN_URL=$("$terraform" output -raw security_scan_webhook_url) \
	DEMO_SCAN_KEY=$("$terraform" output -raw security_scan_webhook_key) \
	DEMO_CLI="$tmp/bin/superplane" \
		python3 "$repo/scripts/demo-chain.py" || fail "the deploy chain did not pass"

	step "terraform apply -refresh-only, then terraform output chain (each stage's newest run)"
	"$terraform" apply -refresh-only -auto-approve -input=false -no-color >/dev/null
	"$terraform" output -no-color chain
fi

if "$terraform" output -raw deploy_stage_id >/dev/null 2>&1; then
	step "Posting a signed push event to the webhook source; the deploy stage runs"
	# The signing key and the API token reach python through the environment,
	# not the command line (which other users can see).
	DEMO_WEBHOOK_URL=$("$terraform" output -raw webhook_url) \
	DEMO_WEBHOOK_KEY=$("$terraform" output -raw webhook_key) \
	DEMO_CANVAS=$("$terraform" output -raw canvas_id) \
	DEMO_STAGE=$("$terraform" output -raw deploy_stage_id) \
		python3 - <<'PY' || fail "the deploy stage did not pass"
import hashlib, hmac, json, os, sys, time, urllib.request

env = os.environ
body = json.dumps({"ref": "refs/heads/main", "after": "c0ffee1", "pusher": {"name": "demo"}}).encode()
signature = "sha256=" + hmac.new(env["DEMO_WEBHOOK_KEY"].encode(), body, hashlib.sha256).hexdigest()
req = urllib.request.Request(env["DEMO_WEBHOOK_URL"], data=body, method="POST",
                             headers={"Content-Type": "application/json", "X-Signature-256": signature})
with urllib.request.urlopen(req, timeout=10) as resp:
    print("POST", env["DEMO_WEBHOOK_URL"], "->", resp.status, resp.read().decode())
executions = f'{env["SUPERPLANE_API_URL"]}/api/v1/canvases/{env["DEMO_CANVAS"]}/stages/{env["DEMO_STAGE"]}/executions'
deadline = time.time() + 30
while time.time() < deadline:
    req = urllib.request.Request(executions, headers={"Authorization": "Bearer " + env["SUPERPLANE_API_TOKEN"]})
    with urllib.request.urlopen(req, timeout=10) as resp:
        found = json.load(resp)["executions"]
    if found and found[0]["state"] == "STATE_FINISHED":
        ex = found[0]
        outputs = {o["name"]: o["value"] for o in ex["outputs"]}
        print(f'execution {ex["id"]}: {ex["result"]}, outputs {outputs}')
        sys.exit(0 if ex["result"] == "RESULT_PASSED" else 1)
    time.sleep(0.3)
print("no finished execution within 30s")
sys.exit(1)
PY
fi

if [ "$keep" = 1 ]; then
	step "KEEP=1: the server (pid $server_pid) and $tmp stay; to use them:"
	cat <<EOF
  export TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE
  export SUPERPLANE_API_URL=$api_url
  export SUPERPLANE_API_TOKEN=\$(cat $tmp/token)
  cd $work && terraform plan
EOF
	if [ "$chain" = 1 ]; then
		cat <<EOF
  # push again, then watch the build and approve the deploy:
  curl -X POST -H "Authorization: Bearer \$(sed -n 's/^TOKEN=//p' $tmp/fakes.env)" $(sed -n 's/^CONTROL_URL=//p' "$tmp/fakes.env")/push
  $tmp/bin/superplane watch --canvas chain --stage deploy
EOF
	fi
	cat <<EOF
  # when done: kill $server_pid${fakes_pid:+ $fakes_pid} && rm -rf $tmp
EOF
	exit 0
fi

step "terraform destroy"
"$terraform" destroy -auto-approve -input=false -no-color

step "Demo finished: stopping the server and removing $tmp"
