package executor_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

// receiver is an HTTP endpoint a stage calls. It records the requests it
// got.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []received
}

type received struct {
	header http.Header
	body   map[string]any
}

func newReceiver(t *testing.T, respond http.HandlerFunc) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		data, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(data, &body)
		rc.mu.Lock()
		rc.requests = append(rc.requests, received{header: r.Header.Clone(), body: body})
		rc.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) got() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.requests...)
}

func newHTTPRunner(allowLoopback bool) *executor.Runner {
	cfg := executor.Config{PollInterval: testPoll}
	if allowLoopback {
		cfg.AllowedNetworks = loopback
	}
	return executor.NewRunner(cfg)
}

func httpRequest(spec map[string]any) executor.Request {
	return executor.Request{ExecutionID: "exec-1", StageID: "stage-1", Type: "http", Spec: spec}
}

func TestHTTPPassedWithOutputsAndHeaders(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"outputs": {"VERSION": "1.2.3", "COUNT": 3, "PRECISE": 1.50, "OK": true, "NESTED": {"a": 1}, "NOTHING": null}, "other": "x"}`)
	})
	// The spec as a user saves it, rendered as the engine does.
	spec, err := executor.Render(map[string]any{
		"url":     rc.srv.URL + "/deploy",
		"headers": map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}", "X-Env": "${{ inputs.ENV }}"},
		"payload": map[string]any{"env": "${{ inputs.ENV }}", "replicas": 3.0},
	}, map[string]string{"ENV": "prod"}, map[string]string{"TOKEN": "s3cr3t"})
	if err != nil {
		t.Fatal(err)
	}

	out := run(t, newHTTPRunner(true), httpRequest(spec), nil)
	wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK, "HTTP 200")
	want := map[string]string{"VERSION": "1.2.3", "COUNT": "3", "PRECISE": "1.50", "OK": "true"}
	if !reflect.DeepEqual(out.Outputs, want) {
		t.Errorf("outputs = %v, want %v (scalars only)", out.Outputs, want)
	}

	reqs := rc.got()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	h := reqs[0].header
	if h.Get("Authorization") != "Bearer s3cr3t" || h.Get("X-Env") != "prod" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v, want the rendered Authorization and X-Env and JSON content", h)
	}
	wantBody := map[string]any{"env": "prod", "replicas": 3.0, "stageId": "stage-1", "executionId": "exec-1"}
	if !reflect.DeepEqual(reqs[0].body, wantBody) {
		t.Errorf("body = %v, want %v", reqs[0].body, wantBody)
	}
}

func TestHTTPStatusPolicy(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		codes      []any
		wantResult string
	}{
		{"2xx passes by default", http.StatusAccepted, nil, api.ResultPassed},
		{"500 fails", http.StatusInternalServerError, nil, api.ResultFailed},
		{"404 fails", http.StatusNotFound, nil, api.ResultFailed},
		{"listed code passes", http.StatusConflict, []any{200.0, 409.0}, api.ResultPassed},
		{"listed code as rendered text", http.StatusConflict, []any{"409"}, api.ResultPassed},
		{"unlisted 2xx fails", http.StatusOK, []any{201.0}, api.ResultFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "not json")
			})
			spec := map[string]any{"url": rc.srv.URL}
			if tt.codes != nil {
				spec["responsePolicy"] = map[string]any{"statusCodes": tt.codes}
			}
			out := run(t, newHTTPRunner(true), httpRequest(spec), nil)
			wantReason := api.ResultReasonOK
			if tt.wantResult == api.ResultFailed {
				wantReason = api.ResultReasonError
			}
			wantOutcome(t, out, tt.wantResult, wantReason, "HTTP "+strconv.Itoa(tt.status))
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": rc.srv.URL, "timeoutSeconds": 0.2}), nil)
	wantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "timed out after 200ms")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Run took %s, want about 200ms", d)
	}
}

func TestHTTPExecutionTimeout(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	r := executor.NewRunner(executor.Config{PollInterval: testPoll, Timeout: 200 * time.Millisecond, AllowedNetworks: loopback})
	out := run(t, r, httpRequest(map[string]any{"url": rc.srv.URL}), nil)
	wantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "execution timed out")
}

func TestHTTPCancel(t *testing.T) {
	aborted := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(aborted)
		case <-time.After(5 * time.Second):
		}
	})
	rec := &recorder{cancelWhen: func(calls int, _ []executor.Resource) bool { return calls >= 3 }}
	out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": rc.srv.URL}), rec.progress)
	wantOutcome(t, out, api.ResultCancelled, api.ResultReasonUser)
	select {
	case <-aborted:
	case <-time.After(3 * time.Second):
		t.Error("the receiver's request was not aborted")
	}
	if n := len(rc.got()); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

func TestHTTPGuard(t *testing.T) {
	t.Run("metadata address", func(t *testing.T) {
		out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": "http://169.254.169.254/latest/meta-data/"}), nil)
		wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "169.254.169.254", "cloud metadata service addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)")
	})

	t.Run("host name resolving to loopback", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {})
		u, _ := url.Parse(rc.srv.URL)
		out := run(t, newHTTPRunner(false), httpRequest(map[string]any{"url": "http://localhost:" + u.Port() + "/"}), nil)
		wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "loopback addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)", "localhost:")
		if n := len(rc.got()); n != 0 {
			t.Errorf("receiver got %d requests, want none", n)
		}
	})

	t.Run("loopback IP", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {})
		out := run(t, newHTTPRunner(false), httpRequest(map[string]any{"url": rc.srv.URL}), nil)
		wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "HTTP request to 127.0.0.1:", "refused: loopback addresses are blocked")
		if n := len(rc.got()); n != 0 {
			t.Errorf("receiver got %d requests, want none", n)
		}
	})

	t.Run("redirect to a denied address", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/", http.StatusFound)
		})
		out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": rc.srv.URL}), nil)
		wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "169.254.169.254", "cloud metadata service addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)")
		if n := len(rc.got()); n != 1 {
			t.Errorf("receiver got %d requests, want 1", n)
		}
	})

	t.Run("redirect limit", func(t *testing.T) {
		var hits atomic.Int32
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Redirect(w, r, "/again", http.StatusTemporaryRedirect)
		})
		out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": rc.srv.URL}), nil)
		wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "stopped after 5 redirects")
		if n := hits.Load(); n != 6 {
			t.Errorf("receiver got %d requests, want 6 (the first and 5 redirects)", n)
		}
	})

	t.Run("redirect within allowed destinations", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/start" {
				http.Redirect(w, r, "/end", http.StatusTemporaryRedirect)
				return
			}
			_, _ = io.WriteString(w, `{"outputs": {"AT": "end"}}`)
		})
		out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": rc.srv.URL + "/start"}), nil)
		wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
		if out.Outputs["AT"] != "end" {
			t.Errorf("outputs = %v, want AT=end", out.Outputs)
		}
		// A 307 keeps the method and body.
		if reqs := rc.got(); len(reqs) != 2 || reqs[1].body["executionId"] != "exec-1" {
			t.Errorf("requests = %+v, want the body again after the redirect", reqs)
		}
	})
}
