package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

const stdPath = "/api/v1/sources/std-1"

// fixedNow is the server's clock in these tests.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func standard(body, id string, ts int64, signature string) post {
	return post{path: stdPath, body: body, header: map[string]string{
		"Content-Type": "application/json", "Webhook-Id": id,
		"Webhook-Timestamp": strconv.FormatInt(ts, 10), "Webhook-Signature": signature,
	}}
}

func TestStandardWebhooks(t *testing.T) {
	now := fixedNow.Unix()
	sign := func(key []byte, id string, ts int64, body string) string {
		return webhook.SignStandard(key, id, ts, []byte(body))
	}
	good := sign(currentKey, "msg_1", now, objectBody)
	tests := []struct {
		name        string
		post        post
		wantStatus  int
		wantMessage string
	}{
		{"valid", standard(objectBody, "msg_1", now, good), 200, ""},
		{"valid under the previous key", standard(objectBody, "msg_1", now, sign(previousKey, "msg_1", now, objectBody)), 200, ""},
		{"one of several signatures", standard(objectBody, "msg_1", now, "v1,"+strings.Repeat("A", 43)+"= "+good+" v2,xyz"), 200, ""},
		{"4 minutes old", standard(objectBody, "msg_1", now-240, sign(currentKey, "msg_1", now-240, objectBody)), 200, ""},
		{"wrong key", standard(objectBody, "msg_1", now, sign(strangerKey, "msg_1", now, objectBody)), 401, refusedMessage},
		{"replayed with another id", standard(objectBody, "msg_2", now, good), 401, refusedMessage},
		{"replayed with another timestamp", standard(objectBody, "msg_1", now+1, good), 401, refusedMessage},
		{"another body", standard(`{"app":"other"}`, "msg_1", now, good), 401, refusedMessage},
		{"no signature", standard(objectBody, "msg_1", now, ""), 401, refusedMessage},
		{"no id", standard(objectBody, "", now, sign(currentKey, "", now, objectBody)), 401, refusedMessage},
		{"the default scheme's signature", custom(objectBody, webhook.Sign(currentKey, []byte(objectBody))).at(stdPath), 401, refusedMessage},
		{"stale timestamp", standard(objectBody, "msg_1", now-301, sign(currentKey, "msg_1", now-301, objectBody)), 401, "webhook-timestamp is more than 5 minutes away from the server's clock"},
		{"timestamp from the future", standard(objectBody, "msg_1", now+301, sign(currentKey, "msg_1", now+301, objectBody)), 401, "webhook-timestamp is more than 5 minutes away from the server's clock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newMemSink()
			rec := do(newMux(testSources(), sink, webhook.Config{Now: func() time.Time { return fixedNow }}), tt.post)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", rec.Code, rec.Body.String(), tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if e := decodeError(t, rec); e.Message != tt.wantMessage {
					t.Errorf("message = %q, want %q", e.Message, tt.wantMessage)
				}
				if len(sink.stored) != 0 {
					t.Error("a refused delivery was stored")
				}
				return
			}
			if d := sink.last(); d.DeliveryID != tt.post.header["Webhook-Id"] {
				t.Errorf("delivery id = %q, want the webhook-id %q", d.DeliveryID, tt.post.header["Webhook-Id"])
			}
		})
	}
}

// TestStandardWebhooksReplaySameID replays a valid delivery as it was
// captured: it answers the first event, stores nothing new, and once the
// timestamp is old it is refused.
func TestStandardWebhooksReplaySameID(t *testing.T) {
	now := fixedNow
	sink := newMemSink()
	mux := newMux(testSources(), sink, webhook.Config{Now: func() time.Time { return now }})
	p := standard(objectBody, "msg_1", now.Unix(), webhook.SignStandard(currentKey, "msg_1", now.Unix(), []byte(objectBody)))
	first := decodeReceipt(t, do(mux, p))
	rec := do(mux, p)
	if again := decodeReceipt(t, rec); rec.Code != 200 || !again.Duplicate || again.EventID != first.EventID {
		t.Errorf("replay: %d %+v, want 200 duplicate of %s", rec.Code, again, first.EventID)
	}
	now = now.Add(10 * time.Minute)
	if rec := do(mux, p); rec.Code != 401 {
		t.Errorf("replay after 10 minutes: status %d, want 401", rec.Code)
	}
	if n := len(sink.stored); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}

// TestUnknownSourceAndBadSignatureAnswerAlike compares the whole answers:
// status, headers that matter and body, byte for byte.
func TestUnknownSourceAndBadSignatureAnswerAlike(t *testing.T) {
	mux := newMux(testSources(), newMemSink(), webhook.Config{Now: func() time.Time { return fixedNow }})
	bad := webhook.Sign(strangerKey, []byte(objectBody))
	posts := map[string]post{
		"bad signature":            custom(objectBody, bad),
		"unknown source":           custom(objectBody, bad).at("/api/v1/sources/8a6e0804-2bd0-4672-b79d-d97027f9071e"),
		"unknown source, good sig": custom(objectBody, webhook.Sign(currentKey, []byte(objectBody))).at("/api/v1/sources/nope"),
		"wrong route":              custom(objectBody, bad).at("/api/v1/sources/gh-1"),
		"standard, bad signature":  standard(objectBody, "m", fixedNow.Unix(), webhook.SignStandard(strangerKey, "m", fixedNow.Unix(), []byte(objectBody))),
		"github, bad signature":    github(objectBody, bad, "push"),
		"unknown integration type": github(objectBody, bad, "push").at("/api/v1/sources/gh-1/nope"),
	}
	var want *struct {
		status int
		body   string
	}
	for name, p := range posts {
		rec := do(mux, p)
		got := struct {
			status int
			body   string
		}{rec.Code, rec.Body.String()}
		if want == nil {
			want = &got
		}
		if got != *want {
			t.Errorf("%s: %d %s, want the same answer as the others: %d %s", name, got.status, got.body, want.status, want.body)
		}
	}
	if want.status != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", want.status)
	}

	// A body over the limit is refused before the source is looked up, so
	// it tells nothing either.
	small := newMux(testSources(), newMemSink(), webhook.Config{MaxBodyBytes: 16})
	known := do(small, custom(objectBody, bad))
	unknown := do(small, custom(objectBody, bad).at("/api/v1/sources/nope"))
	if known.Code != http.StatusRequestEntityTooLarge || known.Code != unknown.Code || known.Body.String() != unknown.Body.String() {
		t.Errorf("large body: known source %d %s, unknown %d %s; want the same 413", known.Code, known.Body, unknown.Code, unknown.Body)
	}
}

// TestStoredHeaderNeverACredential checks the allow-list against names a
// sender may put a credential in.
func TestStoredHeaderNeverACredential(t *testing.T) {
	for _, name := range []string{"authorization", "proxy-authorization", "cookie", "x-api-key", "x-gitlab-token",
		"x-hub-signature-256", "x-signature-256", "x-semaphore-signature-256", "webhook-signature", "x-superplane-token",
		"x-superplane-secret", "x-superplane-api-key", "x-superplane-session", "x-superplane-auth", "x-superplane-password",
		"x-amz-security-token", "x-trace", "accept", "x-superplane-"} {
		if webhook.StoredHeader(name) {
			t.Errorf("StoredHeader(%q) = true", name)
		}
	}
	for _, name := range []string{"content-type", "user-agent", "x-github-event", "x-github-delivery", "webhook-id", "webhook-timestamp", "idempotency-key", "x-superplane-force"} {
		if !webhook.StoredHeader(name) {
			t.Errorf("StoredHeader(%q) = false", name)
		}
	}
}
