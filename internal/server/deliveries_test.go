package server_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestStoredSchemeIsTheReceivers: the services store a Standard Webhooks
// source's scheme as service.SchemeStandardWebhooks (they may not import the
// receivers), and the receivers verify a source whose scheme is
// webhook.SchemeStandardWebhooks the Standard Webhooks way: one value, or
// such sources would be verified as HMAC sources and refuse every delivery.
func TestStoredSchemeIsTheReceivers(t *testing.T) {
	if service.SchemeStandardWebhooks != webhook.SchemeStandardWebhooks {
		t.Fatalf("stored %q, receivers expect %q", service.SchemeStandardWebhooks, webhook.SchemeStandardWebhooks)
	}
}

// testClock is a server clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Now().UTC()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestDeliveryCredentialHeadersNeverStored sends a delivery with the
// headers senders put credentials in: none is stored or shown by the events
// API to a viewer, and a filter on one sees nothing, while a filter on an
// allowed header works.
func TestDeliveryCredentialHeadersNeverStored(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{
		Type: "webhook",
		Events: []api.EventSourceEventType{{Type: "webhook", FilterOperator: api.FilterOperatorOr, Filters: []api.Filter{
			{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "headers['x-superplane-force'] == 'true'"}},
			{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "headers['x-api-key'] == 'api-key-value-1'"}},
		}}},
	})).decode(t, &created)
	credentials := map[string]string{
		"Authorization": "Bearer bearer-value-1", "X-Api-Key": "api-key-value-1", "Cookie": "session=cookie-value-1",
		"X-Gitlab-Token": "gitlab-token-value-1", "X-Superplane-Token": "sp-token-value-1", "X-Client-Secret": "client-secret-value-1",
	}
	send := func(force string, n int) {
		body := []byte(fmt.Sprintf(`{"n":%d}`, n))
		h := map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(created.Key), body),
			"X-Superplane-Force": force, "X-Request-Id": "req-" + strconv.Itoa(n)}
		for k, v := range credentials {
			h[k] = v
		}
		if status, resp := deliver(t, e, "/api/v1/sources/"+created.EventSource.Metadata.ID, body, h); status != 200 {
			t.Fatalf("delivery: %d %s", status, resp)
		}
	}
	send("true", 1)
	send("false", 2)

	r := e.do("viewer", "GET", "/api/v1/canvases/prod/events", nil)
	for name, v := range credentials {
		if strings.Contains(string(r.body), strings.TrimPrefix(v, "session=")) {
			t.Errorf("the events API shows the %s header", name)
		}
	}
	var events api.ListEventsResponse
	r.decode(t, &events)
	if len(events.Events) != 2 {
		t.Fatalf("%d events, want 2", len(events.Events))
	}
	for _, ev := range events.Events {
		for name := range headersOf(ev) {
			if !webhook.StoredHeader(name) {
				t.Errorf("event %s stores header %q", ev.ID, name)
			}
		}
		if h := headersOf(ev); h["x-request-id"] == "" || h["content-type"] != "application/json" {
			t.Errorf("event headers %s lack the allowed ones", ev.Headers)
		}
	}
	// Newest first: the filter on the allowed header accepted the first
	// event; the one on X-Api-Key saw nothing and so rejected the second.
	if events.Events[1].State != api.EventStatePending || events.Events[0].State != api.EventStateRejected {
		t.Errorf("states %s, %s; want pending then rejected", events.Events[1].State, events.Events[0].State)
	}
}

// TestStandardWebhooksSource creates a custom source with the Standard
// Webhooks scheme and posts to it as a Standard Webhooks sender would.
func TestStandardWebhooksSource(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, withClock(clock.Now))
	createCanvas(t, e, "prod")
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("std", api.EventSourceSpec{
		Type: "webhook", SignatureScheme: api.SignatureSchemeStandardWebhooks,
	})).decode(t, &created)
	if created.EventSource.Spec.SignatureScheme != api.SignatureSchemeStandardWebhooks {
		t.Errorf("signatureScheme read back %q", created.EventSource.Spec.SignatureScheme)
	}
	secret, ok := strings.CutPrefix(created.Key, webhook.StandardSecretPrefix)
	if !ok {
		t.Fatalf("key %q is not a whsec_ secret", created.Key)
	}
	key := mustBase64(t, secret)
	path := "/api/v1/sources/" + created.EventSource.Metadata.ID
	body := []byte(`{"deploy":"v1"}`)
	post := func(id string, ts int64, sig string) (int, string) {
		return deliver(t, e, path, body, map[string]string{"Content-Type": "application/json", "Webhook-Id": id,
			"Webhook-Timestamp": strconv.FormatInt(ts, 10), "Webhook-Signature": sig})
	}
	now := clock.Now().Unix()
	sig := webhook.SignStandard(key, "msg_1", now, body)
	status, resp := post("msg_1", now, sig)
	if status != 200 || !strings.Contains(resp, `"duplicate":false`) {
		t.Fatalf("valid delivery: %d %s", status, resp)
	}
	if status, resp := post("msg_1", now, sig); status != 200 || !strings.Contains(resp, `"duplicate":true`) {
		t.Errorf("replay with the same id: %d %s, want the first event, duplicate", status, resp)
	}
	if status, _ := post("msg_2", now, sig); status != 401 {
		t.Errorf("replay with a new id: %d, want 401", status)
	}
	if status, _ := post("msg_3", now, webhook.SignStandard([]byte("wrong"), "msg_3", now, body)); status != 401 {
		t.Errorf("bad signature: %d, want 401", status)
	}
	if status, _ := deliver(t, e, path, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign(key, body)}); status != 401 {
		t.Errorf("the default scheme's signature: %d, want 401", status)
	}
	clock.Add(6 * time.Minute)
	if status, resp := post("msg_1", now, sig); status != 401 || !strings.Contains(resp, "webhook-timestamp") {
		t.Errorf("replay after 6 minutes: %d %s, want 401 naming webhook-timestamp", status, resp)
	}
	if n := len(listEvents(t, e, "").Events); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}

	// The scheme is read back, cannot change, and reset-key keeps its form.
	var described api.EventSourceResponse
	e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources/std", nil).decode(t, &described)
	if described.EventSource.Spec.SignatureScheme != api.SignatureSchemeStandardWebhooks {
		t.Errorf("describe: signatureScheme %q", described.EventSource.Spec.SignatureScheme)
	}
	r := e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/std", sourceBody("std", api.EventSourceSpec{Type: "webhook", SignatureScheme: api.SignatureSchemeHMAC}))
	if r.status != 400 || !strings.Contains(string(r.body), "eventSource.spec.signatureScheme") {
		t.Errorf("changing the scheme: %d %s, want 400 naming the field", r.status, r.body)
	}
	var reset api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/std/reset-key", `{}`).decode(t, &reset)
	if !strings.HasPrefix(reset.Key, webhook.StandardSecretPrefix) || reset.Key == created.Key {
		t.Errorf("reset-key gave %q, want a new whsec_ secret", reset.Key)
	}

	// A default source reads back the HMAC scheme and keeps a plain key.
	var plain api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("plain", api.EventSourceSpec{Type: "webhook"})).decode(t, &plain)
	if plain.EventSource.Spec.SignatureScheme != api.SignatureSchemeHMAC || strings.HasPrefix(plain.Key, webhook.StandardSecretPrefix) {
		t.Errorf("default source: scheme %q key %q", plain.EventSource.Spec.SignatureScheme, plain.Key)
	}
}

func TestSignatureSchemeBadInput(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	for name, spec := range map[string]api.EventSourceSpec{
		"unknown scheme":     {Type: "webhook", SignatureScheme: "SIGNATURE_SCHEME_MD5"},
		"on a manual source": {Type: "manual", SignatureScheme: api.SignatureSchemeStandardWebhooks},
	} {
		r := e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("x", spec))
		if r.status != 400 || !strings.Contains(string(r.body), "eventSource.spec.signatureScheme") {
			t.Errorf("%s: %d %s, want 400 naming eventSource.spec.signatureScheme", name, r.status, r.body)
		}
	}
}

// TestSemaphoreBodyDedupe replays a Semaphore notification, which carries
// no delivery id: within 5 minutes it answers the first event, after that
// it is a new one; another body is always new.
func TestSemaphoreBodyDedupe(t *testing.T) {
	sem := semaphore.New(t)
	sem.AddToken(goodSemToken)
	sem.AddProject("app")
	clock := newTestClock()
	e := newEnv(t, withClock(clock.Now), withBaseURL("https://sp.example.com"),
		withTools(fakeTools("", sem.URL())))
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "sem", map[string]string{"token": goodSemToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "sem", "semaphore", "https://acme.semaphoreci.com", "sem", "token")).decode(t, &api.IntegrationResponse{})
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("pipelines", api.EventSourceSpec{
		Type: "semaphore", Integration: &api.IntegrationRef{Name: "sem"}, Resource: &api.ResourceRef{Name: "app"},
	})).decode(t, &created)
	notes := sem.Notifications()
	if len(notes) != 1 {
		t.Fatalf("%d notifications provisioned, want 1", len(notes))
	}
	key, ok := sem.SecretValue(notes[0].SecretName, "WEBHOOK_SECRET")
	if !ok {
		t.Fatal("no webhook secret provisioned")
	}
	path := "/api/v1/sources/" + created.EventSource.Metadata.ID + "/semaphore"
	post := func(body string) (string, bool) {
		t.Helper()
		status, resp := deliver(t, e, path, []byte(body), map[string]string{"Content-Type": "application/json", "X-Semaphore-Signature-256": webhook.Sign([]byte(key), []byte(body))})
		if status != 200 {
			t.Fatalf("delivery: %d %s", status, resp)
		}
		var r webhook.Receipt
		if err := json.Unmarshal([]byte(resp), &r); err != nil {
			t.Fatal(err)
		}
		return r.EventID, r.Duplicate
	}
	done := `{"pipeline":{"id":"p1","result":"passed"}}`
	first, dup := post(done)
	if dup {
		t.Fatal("the first notification is a duplicate")
	}
	for _, step := range []time.Duration{0, 2 * time.Minute, 2 * time.Minute} {
		clock.Add(step)
		if id, dup := post(done); id != first || !dup {
			t.Errorf("replay %s later: %s duplicate %v, want %s duplicate", step, id, dup, first)
		}
	}
	if id, dup := post(`{"pipeline":{"id":"p2","result":"passed"}}`); dup || id == first {
		t.Errorf("another body: %s duplicate %v, want a new event", id, dup)
	}
	clock.Add(90 * time.Second) // 5.5 minutes after the first
	if id, dup := post(done); dup || id == first {
		t.Errorf("the same body after the window: %s duplicate %v, want a new event", id, dup)
	}
	if n := len(listEvents(t, e, "").Events); n != 3 {
		t.Errorf("%d events stored, want 3", n)
	}
}

func mustBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%q is not base64: %v", s, err)
	}
	return b
}
