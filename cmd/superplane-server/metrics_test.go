package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeMetricsListener: with --metrics-listen, serve answers GET
// /metrics on that address (its own requests and database calls among the
// series) and the API listener does not serve it; /health and /ready answer
// on the API listener without a token.
func TestServeMetricsListener(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_LISTEN": "127.0.0.1:0", "SUPERPLANE_METRICS_LISTEN": "127.0.0.1:0"})
	_, logs := startServe(t, env)
	addrOf := func(msg string) string {
		re := regexp.MustCompile(`"msg":"` + msg + `","addr":"([^"]+)"`)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := re.FindStringSubmatch(logs.String()); m != nil {
				return m[1]
			}
		}
		t.Fatalf("no %q in the log: %s", msg, logs.String())
		return ""
	}
	api, metrics := addrOf("superplane-server listening"), addrOf("metrics listening")
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, path := range []string{"/health", "/ready"} {
		if status, body := get("http://" + api + path); status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
	if status, _ := get("http://" + api + "/metrics"); status != http.StatusNotFound {
		t.Errorf("the API listener serves /metrics: %d", status)
	}
	status, body := get("http://" + metrics + "/metrics")
	for _, want := range []string{
		`superplane_http_requests_total{code="200",route="GET /ready"} 1`,
		`superplane_db_call_duration_seconds_count{op="Ping"} 1`,
		`superplane_queue_depth{queue="executions",state="started"} 0`,
		`superplane_build_info{version="dev"} 1`,
	} {
		if status != http.StatusOK || !strings.Contains(body, want+"\n") {
			t.Errorf("GET /metrics: %d, lacks %s", status, want)
		}
	}
	if status, _ := get("http://" + metrics + "/api/v1/me"); status != http.StatusNotFound {
		t.Errorf("the metrics listener serves the API: %d", status)
	}
}
