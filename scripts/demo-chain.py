"""The deploy chain of examples/chain, run end to end by scripts/demo.sh (make demo-chain).

It plays the developer and the release manager against the applied canvas:
push to the repository (the local GitHub delivers a signed push to the webhook
SuperPlane provisioned), wait for the build to pass with the VERSION its run
posted, post a passed security scan of that version, wait for the release
notes, approve the deploy with the superplane CLI, wait for the Semaphore
pipeline to pass, and show what Semaphore was asked to run.

Everything comes from the environment (never the command line, which other
users can see): SUPERPLANE_API_URL, SUPERPLANE_API_TOKEN, DEMO_CONTROL_URL and
DEMO_FAKES_TOKEN (the local stand-ins' control endpoint and token),
DEMO_SCAN_URL and DEMO_SCAN_KEY (the security-scan webhook), DEMO_CLI (the
superplane binary). Every wait is bounded (DEMO_WAIT seconds, 60 by default).
Exit status 0 when the whole chain passed.
"""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

env = os.environ
API = env["SUPERPLANE_API_URL"].rstrip("/") + "/api/v1"
WAIT = float(env.get("DEMO_WAIT", "60"))
CANVAS = "chain"


def fail(msg):
    print("demo-chain: " + msg, file=sys.stderr)
    sys.exit(1)


def request(method, url, token, body=None, headers=None):
    """Returns (status, parsed JSON or text) of one HTTP call."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    h = {"Authorization": "Bearer " + token} if token else {}
    if data is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode(errors="replace")


def api(method, path, body=None):
    status, out = request(method, API + path, env["SUPERPLANE_API_TOKEN"], body)
    if status // 100 != 2:
        fail(f"{method} {path} -> {status}: {out}")
    return out


def wait_for(what, check, interval=0.5):
    """Calls check until it returns something truthy, for at most WAIT seconds."""
    deadline = time.time() + WAIT
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(interval)
    fail(f"{what}: nothing within {WAIT:.0f}s")


def step(msg):
    print(f"\n--> {msg}", flush=True)


def finished_execution(stage):
    """The stage's newest execution once it has finished, else None."""
    found = api("GET", f"/canvases/{CANVAS}/stages/{stage}/executions?limit=1")["executions"]
    if found and found[0]["state"] == "STATE_FINISHED":
        return found[0]
    return None


def outputs_of(ex):
    return {o["name"]: o["value"] for o in ex.get("outputs") or []}


def expect_passed(stage, ex):
    outs = outputs_of(ex)
    shown = ", ".join(f"{k}={v}" for k, v in sorted(outs.items())) or "no outputs"
    print(f"{stage}: execution {ex['id']} {ex['result']} ({shown})")
    if ex["result"] != "RESULT_PASSED":
        fail(f"{stage} did not pass: {ex.get('resultReason')}: {ex.get('resultMessage')}")
    return outs


def control(method, path, body=None):
    return request(method, env["DEMO_CONTROL_URL"].rstrip("/") + path, env["DEMO_FAKES_TOKEN"], body)


step("git push: the local GitHub delivers a signed push of main to the webhook SuperPlane created")
commit = hashlib.sha1(str(time.time()).encode()).hexdigest()


def push():
    status, out = control("POST", "/push", {"ref": "refs/heads/main", "after": commit})
    if status == 409:  # no webhook yet: SuperPlane creates it just after the apply
        return None
    if status != 200:
        fail(f"push -> {status}: {out}")
    return out


pushed = wait_for("a webhook on the repository", push)
for d in pushed["deliveries"]:
    print(f"push {commit[:7]} to {pushed['repository']} -> hook {d['HookID']}: {d['Status']} {d['Body'].strip()}")

step("build: SuperPlane dispatches build.yml on GitHub Actions; the run posts VERSION back")
build = expect_passed("build", wait_for("a finished build", lambda: finished_execution("build")))
version = build.get("VERSION") or fail("the build passed without a VERSION")

step(f"security scan: the scanner posts a passed scan of {version} to its webhook")
scan = json.dumps({"version": version, "passed": True, "scanner": "the demo scanner"}).encode()
signature = "sha256=" + hmac.new(env["DEMO_SCAN_KEY"].encode(), scan, hashlib.sha256).hexdigest()
status, out = request("POST", env["DEMO_SCAN_URL"], None, scan, {"X-Signature-256": signature})
print(f"POST security-scan webhook -> {status} {json.dumps(out)}")
if status // 100 != 2:
    fail("the security scan was refused")

step("release: the connection group joins the build and the scan of the same version; release-notes runs")
notes = expect_passed("release-notes", wait_for("finished release notes", lambda: finished_execution("release-notes")))

step("deploy: the passed build waits for an approval")


def waiting_event():
    events = api("GET", f"/canvases/{CANVAS}/stages/deploy/events?states=STATE_WAITING")["events"]
    return events[0] if events else None


event = wait_for("a deploy event waiting for approval", waiting_event)
inputs = {i["name"]: i["value"] for i in event.get("inputs") or []}
print(f"deploy event {event['id']} is {event['state']} ({event.get('stateReason')}), inputs {inputs}")
cli = [env["DEMO_CLI"], "approve", "--canvas", CANVAS, "--stage", "deploy", event["id"]]
print("$ superplane approve --canvas chain --stage deploy " + event["id"], flush=True)
subprocess.run(cli, check=True, timeout=30)

step("deploy: Semaphore runs .semaphore/deploy.yml with the version")
expect_passed("deploy", wait_for("a finished deploy", lambda: finished_execution("deploy")))
status, runs = control("GET", "/runs")
if status != 200:
    fail(f"GET /runs -> {status}: {runs}")
for d in runs["github"]["dispatches"]:
    print(f"GitHub Actions was asked to run {d['Workflow']} on {d['Ref']} with commit={d['Inputs'].get('commit')}")
deploys = runs["semaphore"]["workflows"]
if not deploys:
    fail("Semaphore ran no pipeline")
last = deploys[-1]
print(f"Semaphore ran {last['PipelineFile']} on {last['Reference']} with VERSION={last['Parameters'].get('VERSION')}")
if last["Parameters"].get("VERSION") != version:
    fail(f"the deploy received VERSION={last['Parameters'].get('VERSION')}, not the built {version}")
print(f"\nchain passed: commit {commit[:7]} built as {version}, scanned, released ({notes['NOTES']}), approved and deployed")
