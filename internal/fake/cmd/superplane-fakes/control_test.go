package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// call makes a request with an optional bearer token and JSON body and
// returns the status and the body.
func call(t *testing.T, method, url, bearer, scheme, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", scheme+" "+bearer)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestControlPushAndRuns: the control endpoint takes only the fakes'
// token; POST /push answers 409 while the repository has no webhook, then
// delivers a push to the webhook once there is one (the receiver sees the
// pushed ref and commit); GET /runs shows the dispatches and pipelines with
// the tokens SuperPlane handed them hidden.
func TestControlPushAndRuns(t *testing.T) {
	const token = "ghp_control"
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddOwner("demo", false)
	gh.AddRepo("acme", "app", "demo")
	gh.AddToken(token, "demo", []string{"repo", "admin:repo_hook", "workflow"})
	gh.AddWorkflow("acme", "app", "build.yml", "success", 2)
	sem := semaphore.New(t)
	sem.AddToken(token)
	sem.AddProject("app")
	ctl := httptest.NewServer((&control{token: token, gh: gh, sem: sem, owner: "acme", repo: "app"}).routes())
	t.Cleanup(ctl.Close)

	for _, bad := range []struct{ scheme, tok string }{{"Bearer", ""}, {"Bearer", "ghp_other"}, {"Token", token}} {
		if status, _ := call(t, http.MethodPost, ctl.URL+"/push", bad.tok, bad.scheme, ""); status != http.StatusUnauthorized {
			t.Errorf("push with %q %q: status %d, want 401", bad.scheme, bad.tok, status)
		}
	}
	if status, body := call(t, http.MethodPost, ctl.URL+"/push", token, "Bearer", ""); status != http.StatusConflict {
		t.Errorf("push without a webhook: %d %s, want 409", status, body)
	}

	var (
		mu       sync.Mutex
		payloads []map[string]any
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p map[string]any
		if r.Header.Get("X-GitHub-Event") != "push" || r.Header.Get("X-Hub-Signature-256") == "" ||
			json.NewDecoder(r.Body).Decode(&p) != nil {
			http.Error(w, "not a signed push", http.StatusBadRequest)
			return
		}
		mu.Lock()
		payloads = append(payloads, p)
		mu.Unlock()
	}))
	t.Cleanup(receiver.Close)
	if status, body := call(t, http.MethodPost, gh.URL()+"repos/acme/app/hooks", token, "Bearer",
		`{"config": {"url": "`+receiver.URL+`", "content_type": "json", "secret": "k"}, "events": ["push"]}`); status != http.StatusCreated {
		t.Fatalf("create hook: %d %s", status, body)
	}
	status, body := call(t, http.MethodPost, ctl.URL+"/push", token, "Bearer", `{"after": "c0ffee1"}`)
	if status != http.StatusOK || !strings.Contains(body, `"after": "c0ffee1"`) {
		t.Fatalf("push: %d %s, want 200 naming the commit", status, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(payloads) != 1 || payloads[0]["ref"] != "refs/heads/main" || payloads[0]["after"] != "c0ffee1" {
		t.Fatalf("the webhook received %v, want one push of c0ffee1 to refs/heads/main", payloads)
	}
	if status, body := call(t, http.MethodPost, ctl.URL+"/push", token, "Bearer", `{"after": `); status != http.StatusBadRequest {
		t.Errorf("push with a broken body: %d %s, want 400", status, body)
	}

	if status, body := call(t, http.MethodPost, gh.URL()+"repos/acme/app/actions/workflows/build.yml/dispatches", token, "Bearer",
		`{"ref": "main", "inputs": {"superplane_execution_id": "e1", "superplane_token": "spo_secret"}}`); status != http.StatusNoContent {
		t.Fatalf("dispatch: %d %s", status, body)
	}
	status, body = call(t, http.MethodGet, ctl.URL+"/runs", token, "Bearer", "")
	if status != http.StatusOK || strings.Contains(body, "spo_secret") || !strings.Contains(body, `"superplane_execution_id": "e1"`) ||
		!strings.Contains(body, `"superplane_token": "(hidden)"`) {
		t.Errorf("runs: %d %s, want the dispatch with its token hidden", status, body)
	}
}
