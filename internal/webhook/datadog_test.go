package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// postDatadog delivers body to the datadog route as Datadog's Webhooks
// integration does; token "" sends no X-Superplane-Token.
func postDatadog(t *testing.T, mux http.Handler, id, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/"+id+"/datadog", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Datadog-Webhook-1.0")
	if token != "" {
		req.Header.Set("X-Superplane-Token", token)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

// TestDatadogDelivery: a delivery carrying the source's key (or the key in
// its grace period) in X-Superplane-Token is stored as an "alert" with no
// delivery id and without the token header; a wrong, partial or missing
// token, or another type's source, is refused before the body is parsed,
// and nothing is stored.
func TestDatadogDelivery(t *testing.T) {
	s := testSources()
	s.sources["dd-1"] = webhook.Source{ID: "dd-1", Type: "datadog", Keys: [][]byte{currentKey, previousKey}}
	sink := newMemSink()
	mux := newMux(s, sink, webhook.Config{})
	body := `{"id":"7000001","alert_transition":"Triggered","alert_id":"1001"}`
	if rec := postDatadog(t, mux, "dd-1", string(currentKey), body); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	d := sink.last()
	if d.Type != "alert" || d.DeliveryID != "" || string(d.Body) != body || d.Headers["user-agent"] != "Datadog-Webhook-1.0" {
		t.Errorf("delivery = %+v", d)
	}
	if _, kept := d.Headers["x-superplane-token"]; kept {
		t.Error("the X-Superplane-Token header was stored")
	}
	if rec := postDatadog(t, mux, "dd-1", string(previousKey), `{"id":"7000002"}`); rec.Code != http.StatusOK {
		t.Errorf("grace key: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct{ name, id, token, body, want string }{
		{"wrong token", "dd-1", string(strangerKey), `{}`, "unknown event source or invalid signature"},
		{"token prefix", "dd-1", string(currentKey[:len(currentKey)-1]), `{}`, "unknown event source or invalid signature"},
		{"not JSON, wrong token", "dd-1", string(strangerKey), `not json`, "unknown event source or invalid signature"},
		{"missing token", "dd-1", "", `{}`, "missing X-Superplane-Token header"},
		{"github source on the datadog route", "gh-1", string(currentKey), `{}`, "unknown event source or invalid signature"},
	} {
		rec := postDatadog(t, mux, c.id, c.token, c.body)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d %s, want 401 with %q", c.name, rec.Code, rec.Body, c.want)
		}
	}
	if n := sink.count(); n != 2 {
		t.Errorf("%d deliveries stored, want 2", n)
	}
}
