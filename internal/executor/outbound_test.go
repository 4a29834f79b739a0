package executor_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/outbound/outboundtest"
)

// TestGitHubAndSemaphoreExecutorsAreGuarded checks that the API calls of
// the github and semaphore executors go through the outbound guard, the
// configured API URLs included: without SUPERPLANE_ALLOWED_NETWORKS, an API
// on loopback is refused with a message naming the setting, and no
// connection is made.
func TestGitHubAndSemaphoreExecutorsAreGuarded(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  func(url string) executor.Config
		req  executor.Request
	}{
		{"github", func(u string) executor.Config { return executor.Config{GitHubAPIURL: u + "/"} }, githubRequest("exec-1")},
		{"semaphore", func(u string) executor.Config { return executor.Config{SemaphoreAPIURL: u} }, semaphoreRequest("exec-1")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := outboundtest.NewListener(t)
			cfg := tt.cfg(a.URL())
			cfg.PollInterval, cfg.Timeout = testPoll, 30*time.Second
			out := run(t, executor.NewRunner(cfg), tt.req, nil)
			wantOutcome(t, out, api.ResultFailed, api.ResultReasonError,
				"connection to "+a.Addr()+" refused: loopback addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)")
			if strings.Contains(out.Message, tt.req.Token) {
				t.Errorf("message %q contains the token", out.Message)
			}
			if n := a.Accepts(); n != 0 {
				t.Errorf("the API accepted %d connections, want none", n)
			}
		})
	}
}

// TestHTTPRedirectToAnotherHostDropsHeaders checks that the headers of an
// http executor's spec, credentials in particular, reach only the host the
// spec names, not another one it redirects to.
func TestHTTPRedirectToAnotherHostDropsHeaders(t *testing.T) {
	other := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {})
	first := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+"/elsewhere", http.StatusTemporaryRedirect)
	})
	headers := map[string]any{"Authorization": "Bearer s3cr3t", "X-Api-Key": "k3y", "Circle-Token": "c1rcle", "Cookie": "s=1"}
	out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": first.srv.URL, "headers": headers}), nil)
	wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
	if got := first.got(); len(got) != 1 || got[0].header.Get("X-Api-Key") != "k3y" {
		t.Fatalf("the spec's host got %+v, want the request with its headers", got)
	}
	got := other.got()
	if len(got) != 1 {
		t.Fatalf("the other host got %d requests, want 1", len(got))
	}
	for k := range headers {
		if v := got[0].header.Get(k); v != "" {
			t.Errorf("the other host got %s: %q", k, v)
		}
	}
	if got[0].body["executionId"] != "exec-1" || got[0].header.Get("Content-Type") != "application/json" {
		t.Errorf("the other host got %+v, want the payload as JSON (a 307 keeps the body)", got[0])
	}
}
