package server_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestRequestLogLine pins the request log line's fields, which an operator
// greps and alerts on: one JSON line per request with its id, method, path
// (never the query), status, the authenticated user and the duration.
func TestRequestLogLine(t *testing.T) {
	e := newEnv(t)
	var me api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)

	check := func(t *testing.T, id, who, path string, want map[string]any) {
		t.Helper()
		req, err := http.NewRequest("GET", e.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Request-Id", id)
		if who != "" {
			req.Header.Set("Authorization", "Bearer "+e.tokens[who])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		// The line is written as the handler returns, which may be just
		// after the client has the answer: poll, bounded.
		var line map[string]any
		for deadline := time.Now().Add(30 * time.Second); line == nil && time.Now().Before(deadline); {
			line = findLogLine(t, e.logs.String(), id)
			if line == nil {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if line == nil {
			t.Fatalf("no request log line with request_id %q", id)
		}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("%s: %v, want %v (line %v)", k, line[k], v, line)
			}
		}
		if d, ok := line["duration"].(float64); !ok || d <= 0 {
			t.Errorf("duration: %v, want a positive number of nanoseconds", line["duration"])
		}
		if _, ok := line["time"].(string); !ok {
			t.Errorf("time: %v, want a timestamp", line["time"])
		}
	}
	t.Run("authenticated", func(t *testing.T) {
		check(t, "log-line-1", "owner", "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", map[string]any{
			"level": "INFO", "msg": "request", "method": "GET", "path": "/api/v1/secrets",
			"status": float64(http.StatusOK), "user_id": me.ID,
		})
	})
	t.Run("unauthenticated", func(t *testing.T) {
		check(t, "log-line-2", "", "/api/v1/me", map[string]any{
			"level": "INFO", "msg": "request", "method": "GET", "path": "/api/v1/me",
			"status": float64(http.StatusUnauthorized), "user_id": "",
		})
	})
}

// findLogLine returns the "request" line with this request id in logs, or
// nil.
func findLogLine(t *testing.T, logs, id string) map[string]any {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		if m["msg"] == "request" && m["request_id"] == id {
			return m
		}
	}
	return nil
}
