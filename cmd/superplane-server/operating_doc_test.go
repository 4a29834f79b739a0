package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// operatingGuide is the published page whose ```sh blocks the test runs.
const operatingGuide = "../../docs/guides/operating.md"

// guideEnv is what the commands of the guide run with: the two variables
// the page asks users to set, and the ids the page tells them to take from
// earlier answers.
type guideEnv struct {
	url, token                    string
	eventID, executionID, alertID string
}

// guideStep is one command of the guide: what the test does first (the
// situation the page describes), and the check of the command's answer.
type guideStep struct {
	before func(t *testing.T)
	check  func(t *testing.T, answer map[string]any)
}

// shBlocks returns the guide's ```sh blocks by their first line (a
// comment saying what the command does), in page order.
func shBlocks(t *testing.T) (names []string, blocks map[string]string) {
	t.Helper()
	b, err := os.ReadFile(operatingGuide)
	if err != nil {
		t.Fatal(err)
	}
	blocks = map[string]string{}
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		first, _, _ := strings.Cut(m[1], "\n")
		if !strings.HasPrefix(first, "# ") {
			t.Fatalf("a sh block of %s does not start with a comment naming it:\n%s", operatingGuide, m[1])
		}
		name := strings.TrimPrefix(first, "# ")
		if _, dup := blocks[name]; dup {
			t.Fatalf("two sh blocks named %q", name)
		}
		names = append(names, name)
		blocks[name] = m[1]
	}
	return names, blocks
}

// runBlock runs one block with bash and answers its output as JSON; curl
// --fail-with-body makes a status outside 2xx a failure.
func runBlock(t *testing.T, name, block string, env guideEnv) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", block)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(), // no ~/.curlrc of the developer's
		"SUPERPLANE_API_URL=" + env.url,
		"SUPERPLANE_API_TOKEN=" + env.token,
		"EVENT_ID=" + env.eventID,
		"EXECUTION_ID=" + env.executionID,
		"ALERT_ID=" + env.alertID,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%q: %v\nstdout: %s\nstderr: %s", name, err, stdout.String(), stderr.String())
	}
	var answer map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &answer); err != nil {
		t.Fatalf("%q answered no JSON object: %v\n%s", name, err, stdout.String())
	}
	return answer
}

// jsonPath reads a value out of a decoded answer: keys, and integer
// indexes into arrays.
func jsonPath(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// guideAPI calls the API as the owner, for the test's own setup and
// waiting (never for what the page shows).
type guideAPI struct {
	url, token string
}

func (g guideAPI) call(t *testing.T, method, path, body string) map[string]any {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

// waitFor polls get (bounded) until ok holds of its answer.
func (g guideAPI) waitFor(t *testing.T, what, path string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := g.call(t, http.MethodGet, path, "")
		if ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: last answer %v", what, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitingEvents is the path of deploy's waiting events.
const waitingEvents = "/api/v1/canvases/production/stages/deploy/events?states=STATE_WAITING"

// TestOperatingGuideExamples runs every curl command of the "Operating a
// canvas" guide, in page order, against a real server on loopback, with
// the canvas the page describes, and checks each answer: post a manual
// event, see it wait in deploy's queue, approve it, see its execution
// start, cancel it (and see it end cancelled), discard a second event, read
// the rejection of a beta release and the alert of notify, and acknowledge
// that alert.
func TestOperatingGuideExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: the guide's examples cannot run")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed: the guide's examples cannot run")
	}
	names, blocks := shBlocks(t)

	// The deployment endpoint deploy calls: it holds every request until
	// the client goes away (the cancel) or the test ends, so the execution
	// stays started long enough to be cancelled.
	testDone := make(chan struct{})
	requests := make(chan string, 10)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case requests <- string(b):
		default:
		}
		select {
		case <-r.Context().Done():
		case <-testDone:
		}
	}))
	t.Cleanup(endpoint.Close)
	t.Cleanup(func() { close(testDone) })

	dir := filepath.Join(t.TempDir(), "data")
	env := envFrom(map[string]string{
		"SUPERPLANE_DATA_DIR":         dir,
		"SUPERPLANE_LISTEN":           "127.0.0.1:0",
		"SUPERPLANE_ALLOWED_NETWORKS": "127.0.0.0/8",
		"SUPERPLANE_POLL_INTERVAL":    "50ms",
	})
	addr, _ := startServe(t, env)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "create", "--org", "acme", "--role", "owner", "--user", "ops@example.com"}, &out, os.Stderr, env); err != nil {
		t.Fatal(err)
	}
	ge := guideEnv{url: "http://" + addr, token: strings.TrimSpace(out.String())}
	g := guideAPI{url: ge.url, token: ge.token}

	// The canvas the page describes.
	g.call(t, http.MethodPost, "/api/v1/canvases", `{"canvas":{"metadata":{"name":"production"}}}`)
	g.call(t, http.MethodPost, "/api/v1/canvases/production/event-sources", `{"eventSource":{"metadata":{"name":"release"},"spec":{"type":"manual"}}}`)
	g.call(t, http.MethodPost, "/api/v1/canvases/production/stages", fmt.Sprintf(`{"stage":{"metadata":{"name":"deploy"},"spec":{
		"connections":[{"type":"TYPE_EVENT_SOURCE","name":"release","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.channel == 'stable'"}}],"filterOperator":"FILTER_OPERATOR_AND"}],
		"conditions":[{"type":"CONDITION_TYPE_APPROVAL","approval":{"count":1}}],
		"inputs":[{"name":"VERSION"}],
		"inputMappings":[{"values":[{"name":"VERSION","valueFrom":{"eventData":{"connection":"release","expression":"$.version"}}}]}],
		"executor":{"type":"http","spec":{"url":%q,"payload":{"version":"${{ inputs.VERSION }}"}}}}}}`, endpoint.URL+"/deploy"))
	g.call(t, http.MethodPost, "/api/v1/canvases/production/stages", `{"stage":{"metadata":{"name":"notify"},"spec":{
		"connections":[{"type":"TYPE_EVENT_SOURCE","name":"release"}],
		"inputs":[{"name":"URL"}],
		"inputMappings":[{"values":[{"name":"URL","valueFrom":{"eventData":{"connection":"release","expression":"$.notify_url"}}}]}],
		"executor":{"type":"http","spec":{"url":"${{ inputs.URL }}"}}}}}`)

	postRelease := func(t *testing.T, raw string) {
		g.call(t, http.MethodPost, "/api/v1/canvases/production/events", `{"sourceId":"release","type":"release","raw":`+raw+`}`)
	}
	waiting := func(n int) func(map[string]any) bool {
		return func(a map[string]any) bool { ev, _ := a["events"].([]any); return len(ev) == n }
	}

	steps := map[string]guideStep{
		"Post a manual event to the release source": {
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "event", "id") == "" || jsonPath(a, "event", "sourceName") != "release" ||
					jsonPath(a, "event", "type") != "release" || jsonPath(a, "event", "raw", "version") != "1.4.2" {
					t.Errorf("the posted event: %v", a)
				}
			},
		},
		"List the events waiting in deploy's queue": {
			before: func(t *testing.T) { g.waitFor(t, "the release to wait for approval", waitingEvents, waiting(1)) },
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "events", 0, "state") != "STATE_WAITING" || jsonPath(a, "events", 1) != nil {
					t.Fatalf("deploy's waiting events: %v", a)
				}
				ge.eventID, _ = jsonPath(a, "events", 0, "id").(string)
			},
		},
		"Approve the event": {
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "event", "id") != ge.eventID || jsonPath(a, "event", "approvals", 0, "approvedBy") == "" ||
					jsonPath(a, "event", "approvals", 0, "approvedBy") == nil {
					t.Errorf("the approved event: %v", a)
				}
			},
		},
		"List deploy's executions": {
			before: func(t *testing.T) {
				select {
				case body := <-requests:
					if !strings.Contains(body, `"1.4.2"`) {
						t.Errorf("deploy sent %s, not the release's version", body)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("the approved event did not run: no request reached the deployment endpoint")
				}
			},
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "executions", 0, "state") != "STATE_STARTED" || jsonPath(a, "executions", 1) != nil {
					t.Fatalf("deploy's executions: %v", a)
				}
				ge.executionID, _ = jsonPath(a, "executions", 0, "id").(string)
			},
		},
		"Cancel the execution": {
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "execution", "id") != ge.executionID {
					t.Fatalf("the cancelled execution: %v", a)
				}
				g.waitFor(t, "the execution to end cancelled", "/api/v1/canvases/production/stages/deploy/executions", func(a map[string]any) bool {
					return jsonPath(a, "executions", 0, "result") == "RESULT_CANCELLED" && jsonPath(a, "executions", 0, "resultReason") == "RESULT_REASON_USER"
				})
			},
		},
		"Discard a waiting event": {
			before: func(t *testing.T) {
				postRelease(t, `{"version":"1.4.3","channel":"stable"}`)
				a := g.waitFor(t, "a second release to wait", waitingEvents, waiting(1))
				ge.eventID, _ = jsonPath(a, "events", 0, "id").(string)
			},
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "event", "id") != ge.eventID || jsonPath(a, "event", "state") != "STATE_DISCARDED" || jsonPath(a, "event", "discardedAt") == nil {
					t.Errorf("the discarded event: %v", a)
				}
				g.waitFor(t, "an empty queue", waitingEvents, waiting(0))
			},
		},
		"List the rejections of deploy": {
			before: func(t *testing.T) {
				postRelease(t, `{"version":"1.5.0-rc1","channel":"beta"}`)
				g.waitFor(t, "the beta release's rejection", "/api/v1/canvases/production/rejections", func(a map[string]any) bool {
					return jsonPath(a, "rejections", 0) != nil
				})
			},
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "rejections", 0, "reason") != "REJECTION_REASON_FILTERED" || jsonPath(a, "rejections", 0, "targetName") != "deploy" ||
					jsonPath(a, "rejections", 0, "event", "raw", "channel") != "beta" || jsonPath(a, "rejections", 1) != nil {
					t.Errorf("deploy's rejections: %v", a)
				}
			},
		},
		"List the open alerts of the canvas": {
			before: func(t *testing.T) {
				g.waitFor(t, "notify's alert", "/api/v1/canvases/production/alerts", func(a map[string]any) bool {
					return jsonPath(a, "alerts", 0) != nil
				})
			},
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "alerts", 0, "sourceName") != "notify" || jsonPath(a, "alerts", 0, "acknowledged") != false || jsonPath(a, "alerts", 1) != nil {
					t.Fatalf("the canvas's alerts: %v", a)
				}
				ge.alertID, _ = jsonPath(a, "alerts", 0, "id").(string)
			},
		},
		"Acknowledge the alert": {
			check: func(t *testing.T, a map[string]any) {
				if jsonPath(a, "alert", "id") != ge.alertID || jsonPath(a, "alert", "acknowledged") != true {
					t.Errorf("the acknowledged alert: %v", a)
				}
				open := g.call(t, http.MethodGet, "/api/v1/canvases/production/alerts", "")
				if jsonPath(open, "alerts", 0) != nil {
					t.Errorf("an acknowledged alert is still listed as open: %v", open)
				}
			},
		},
	}

	for _, name := range names {
		step, ok := steps[name]
		if !ok {
			t.Fatalf("the guide has a command %q that this test does not run: add it to the steps", name)
		}
		if step.before != nil {
			step.before(t)
		}
		step.check(t, runBlock(t, name, blocks[name], ge))
		delete(steps, name)
	}
	for name := range steps {
		t.Errorf("the guide no longer has the command %q", name)
	}

	// The page says a viewer may read but not act: its approve is a 403
	// (curl fails), its queue listing answers.
	out.Reset()
	if err := run(context.Background(), []string{"token", "create", "--org", "acme", "--role", "viewer", "--user", "watcher@example.com"}, &out, os.Stderr, env); err != nil {
		t.Fatal(err)
	}
	viewer := ge
	viewer.token = strings.TrimSpace(out.String())
	runBlock(t, "List the events waiting in deploy's queue", blocks["List the events waiting in deploy's queue"], viewer)
	refused := exec.Command("bash", "-c", blocks["Approve the event"])
	refused.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"SUPERPLANE_API_URL=" + viewer.url, "SUPERPLANE_API_TOKEN=" + viewer.token, "EVENT_ID=" + viewer.eventID}
	answer, err := refused.Output()
	if err == nil || !strings.Contains(string(answer), "may not") {
		t.Errorf("a viewer's approve: %v, %s; want curl to fail on the 403", err, answer)
	}
	if len(names) == 0 {
		t.Fatal(errors.New("no sh blocks found: the test would prove nothing"))
	}
}
