package executor_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

// TestHTTPMethod: with spec.method, the request uses it and the payload
// goes exactly as written (no stageId or executionId, which a strict
// resource API such as Atlas's refuses); GET and DELETE send no body. A
// method that is not one of the five is refused when the stage is saved.
func TestHTTPMethod(t *testing.T) {
	type seen struct{ method, body, contentType string }
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, string(b), r.Header.Get("Content-Type")})
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)

	for _, c := range []struct{ method, wantBody, wantType string }{
		{"PATCH", `{"paused":true}`, "application/json"},
		{"PUT", `{"paused":true}`, "application/json"},
		{"GET", "", ""},
		{"DELETE", "", ""},
	} {
		spec := map[string]any{"url": srv.URL + "/clusters/prod", "method": c.method, "payload": map[string]any{"paused": true}}
		if err := executor.ValidateSpec("http", spec); err != nil {
			t.Fatalf("%s: %v", c.method, err)
		}
		out := run(t, newHTTPRunner(true), httpRequest(spec), nil)
		wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK, "HTTP 200")
		mu.Lock()
		last := got[len(got)-1]
		mu.Unlock()
		if last.method != c.method || last.body != c.wantBody || last.contentType != c.wantType {
			t.Errorf("%s: sent %+v, want body %q and Content-Type %q", c.method, last, c.wantBody, c.wantType)
		}
	}
	// Without spec.method: POST with stageId and executionId, as before.
	out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": srv.URL + "/hook"}), nil)
	wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK, "HTTP 200")
	mu.Lock()
	defer mu.Unlock()
	if last := got[len(got)-1]; last.method != "POST" || !strings.Contains(last.body, `"executionId":"exec-1"`) {
		t.Errorf("default: sent %+v, want a POST with executionId", last)
	}
	for _, m := range []any{"patch", "TRACE", 3.0} {
		err := executor.ValidateSpec("http", map[string]any{"url": "https://example.com", "method": m})
		if err == nil || !strings.Contains(err.Error(), "spec.method must be one of GET, POST, PUT, PATCH or DELETE") {
			t.Errorf("method %v: %v", m, err)
		}
	}
}
