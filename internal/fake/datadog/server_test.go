package datadog_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/fake/datadog"
)

const (
	apiKey = "0123456789abcdef0123456789abcdef"
	appKey = "0123456789abcdef0123456789abcdef01234567"
)

func call(t *testing.T, f *datadog.Server, method, path, body string, keys ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.URL()+path, strings.NewReader(body))
	if len(keys) > 0 {
		req.Header.Set("DD-API-KEY", keys[0])
	}
	if len(keys) > 1 {
		req.Header.Set("DD-APPLICATION-KEY", keys[1])
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// TestFakeAnswersAsDatadogDocuments: the status codes and bodies the
// integration relies on.
func TestFakeAnswersAsDatadogDocuments(t *testing.T) {
	f := datadog.New(t)
	f.AddKeys(apiKey, appKey)
	if st, out := call(t, f, "GET", "/api/v1/validate", "", apiKey); st != 200 || out["valid"] != true {
		t.Errorf("validate: %d %v", st, out)
	}
	if st, out := call(t, f, "GET", "/api/v1/validate", "", "nope"); st != 403 || fmt.Sprint(out["errors"]) != "[Forbidden]" {
		t.Errorf("validate with a bad key: %d %v", st, out)
	}
	if st, _ := call(t, f, "GET", "/api/v1/org", "", apiKey); st != 403 {
		t.Errorf("org without the application key: %d", st)
	}
	if st, out := call(t, f, "POST", "/api/v1/events", `{"title":"Deployed","text":"v1.2.3"}`, apiKey); st != 202 || out["status"] != "ok" {
		t.Errorf("event: %d %v", st, out)
	}
	if st, _ := call(t, f, "POST", "/api/v1/events", `{"title":"no text"}`, apiKey); st != 400 {
		t.Errorf("event without text: %d", st)
	}
	if st, _ := call(t, f, "POST", "/api/v1/monitor/42/mute", "", apiKey, appKey); st != 404 {
		t.Errorf("mute of an unknown monitor: %d", st)
	}
	id := f.AddMonitor("latency")
	path := "/api/v1/monitor/" + itoa(id)
	if st, _ := call(t, f, "POST", path+"/mute", `{"scope":"env:prod"}`, apiKey, appKey); st != 200 {
		t.Errorf("mute: %d", st)
	}
	if m, _ := f.Monitor(id); !m.Muted || m.Scope != "env:prod" {
		t.Errorf("monitor after mute: %+v", m)
	}
	if st, _ := call(t, f, "POST", path+"/unmute", "", apiKey, appKey); st != 200 {
		t.Errorf("unmute: %d", st)
	}
	if m, _ := f.Monitor(id); m.Muted {
		t.Error("monitor still muted")
	}

	const hooks = "/api/v1/integration/webhooks/configuration/webhooks"
	create := `{"name":"sp","url":"https://example.com/x","encode_as":"json","custom_headers":"{\"X-A\":\"b\"}"}`
	if st, out := call(t, f, "POST", hooks, create, apiKey, appKey); st != 200 || out["name"] != "sp" {
		t.Errorf("create: %d %v", st, out)
	}
	if st, _ := call(t, f, "POST", hooks, create, apiKey, appKey); st != 400 {
		t.Errorf("create twice: %d", st)
	}
	if st, _ := call(t, f, "POST", hooks, `{"name":"x","url":"not a url"}`, apiKey, appKey); st != 400 {
		t.Errorf("create with a bad URL: %d", st)
	}
	if st, out := call(t, f, "PUT", hooks+"/sp", `{"url":"https://example.com/y"}`, apiKey, appKey); st != 200 || out["url"] != "https://example.com/y" || out["custom_headers"] == nil {
		t.Errorf("update keeps what it does not name: %d %v", st, out)
	}
	if st, _ := call(t, f, "DELETE", hooks+"/sp", "", apiKey, appKey); st != 200 {
		t.Errorf("delete: %d", st)
	}
	if st, _ := call(t, f, "GET", hooks+"/sp", "", apiKey, appKey); st != 404 {
		t.Errorf("get after delete: %d", st)
	}
}

// TestFakeNotify: a notification posts the payload with the variables
// filled in (escaped for JSON) and the custom headers.
func TestFakeNotify(t *testing.T) {
	got := make(chan *http.Request, 1)
	bodies := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- string(b)
	}))
	defer srv.Close()
	f := datadog.New(t)
	payload, headers := `{"title":"$EVENT_TITLE","id":"$ALERT_ID"}`, `{"X-Superplane-Token":"k"}`
	f.SetWebhook(datadog.Webhook{Name: "sp", URL: srv.URL, Payload: &payload, CustomHeaders: &headers, EncodeAs: "json"})
	if d, ok := f.Notify("sp", map[string]string{"EVENT_TITLE": `say "hi"`, "ALERT_ID": "7"}); !ok || d.Status != 200 {
		t.Fatalf("notify: %+v %v", d, ok)
	}
	r, body := <-got, <-bodies
	if r.Header.Get("X-Superplane-Token") != "k" || body != `{"title":"say \"hi\"","id":"7"}` {
		t.Errorf("delivery: %v %s", r.Header, body)
	}
	if _, ok := f.Notify("nope", nil); ok {
		t.Error("notify of an unknown webhook")
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
