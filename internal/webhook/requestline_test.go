package webhook_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// lineWriter is the ResponseWriter of a server that logs every request
// (webhook.RequestLine): it counts the lines the receiver says it wrote.
type lineWriter struct {
	*httptest.ResponseRecorder
	logged int
}

func (w *lineWriter) RequestID() string { return "req-7" }
func (w *lineWriter) Logged()           { w.logged++ }

// TestDeliveryLineTakesTheRequests: given a server's RequestLine, the
// receiver writes the delivery's one line with the request's id, method
// and path, the source's organization and the outcome, and tells the
// server it did (once), whatever the answer; without one it writes its
// line alone, with no request id.
func TestDeliveryLineTakesTheRequests(t *testing.T) {
	const body = `{"ref":"main"}`
	good := webhook.Sign(currentKey, []byte(body))
	sources := testSources()
	src := sources.sources["custom-1"]
	src.Tenant = "org-1"
	sources.sources["custom-1"] = src
	cases := []struct {
		name         string
		post         post
		full         bool // the organization's share of the budget is taken
		status       int
		organization string
		outcome      string
	}{
		{"accepted", custom(body, good), false, http.StatusOK, "org-1", "accepted"},
		{"refused signature", custom(body, webhook.Sign(strangerKey, []byte(body))), false, http.StatusUnauthorized, "org-1", "refused"},
		{"unknown source", custom(body, good).at("/api/v1/sources/nobody"), false, http.StatusUnauthorized, "", "refused"},
		{"budget refused", custom(body, good), true, http.StatusServiceUnavailable, "org-1", "overloaded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			budget := webhook.NewBudget(4<<20, 1<<20)
			if c.full && !budget.Reserve("org-1", 1<<20) {
				t.Fatal("could not take org-1's share")
			}
			mux := newMux(sources, newMemSink(), webhook.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Budget: budget})
			w := &lineWriter{ResponseRecorder: httptest.NewRecorder()}
			mux.ServeHTTP(w, c.post.request())
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 || w.logged != 1 {
				t.Fatalf("%d lines, Logged called %d times; want one and once:\n%s", len(lines), w.logged, logs.String())
			}
			var line map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"msg": "webhook delivery", "request_id": "req-7", "method": "POST", "path": c.post.path,
				"organization": c.organization, "status": float64(c.status), "outcome": c.outcome}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("%s: %v, want %v (line %v)", k, line[k], v, line)
				}
			}
			for _, secret := range []string{string(currentKey), hexSig(currentKey, body), hexSig(strangerKey, body)} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("the line holds a key or a signature: %s", logs.String())
				}
			}
		})
	}

	t.Run("no server line", func(t *testing.T) {
		var logs bytes.Buffer
		mux := newMux(sources, newMemSink(), webhook.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		do(mux, custom(body, good))
		var line map[string]any
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
			t.Fatalf("%v: %s", err, logs.String())
		}
		if _, ok := line["request_id"]; ok || line["outcome"] != "accepted" {
			t.Errorf("line %v: want no request_id, outcome accepted", line)
		}
	})
}
