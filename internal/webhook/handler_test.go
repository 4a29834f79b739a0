package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// post describes one request to the receivers.
type post struct {
	method string // "" means POST
	path   string
	body   string
	header map[string]string
	// extra adds values after header (for repeated headers).
	extra http.Header
	// unknownLength sends the body without a Content-Length, as a chunked
	// upload does, so only the reading limit can stop it.
	unknownLength bool
}

// at is p sent to another path.
func (p post) at(path string) post {
	p.path = path
	return p
}

func (p post) request() *http.Request {
	method := p.method
	if method == "" {
		method = http.MethodPost
	}
	req := httptest.NewRequest(method, p.path, strings.NewReader(p.body))
	for name, value := range p.header {
		req.Header.Set(name, value)
	}
	for name, values := range p.extra {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if p.unknownLength {
		req.ContentLength = -1
	}
	return req
}

func do(h http.Handler, p post) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, p.request())
	return rec
}

// contractError is the contract's error body, with Details kept raw to check
// that it is present as [].
type contractError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) contractError {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e contractError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body.String(), err)
	}
	if string(e.Details) != "[]" {
		t.Errorf("details = %s, want []", e.Details)
	}
	return e
}

func decodeReceipt(t *testing.T, rec *httptest.ResponseRecorder) webhook.Receipt {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("receipt %q is not JSON: %v", rec.Body.String(), err)
	}
	for _, field := range []string{"eventId", "duplicate"} {
		if _, ok := raw[field]; !ok {
			t.Errorf("receipt %s lacks %q", rec.Body.String(), field)
		}
	}
	var r webhook.Receipt
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	return r
}

// refusedMessage answers an unknown source and a bad signature alike.
const refusedMessage = "unknown event source or invalid signature"

const (
	customPath    = "/api/v1/sources/custom-1"
	githubPath    = "/api/v1/sources/gh-1/github"
	semaphorePath = "/api/v1/sources/sem-1/semaphore"
	objectBody    = `{"version":"v1.0","app":"core"}`
)

// hexSig is a signature without its "sha256=" prefix.
func hexSig(key []byte, body string) string {
	return strings.TrimPrefix(webhook.Sign(key, []byte(body)), "sha256=")
}

func custom(body, signature string) post {
	return post{path: customPath, body: body, header: map[string]string{
		"Content-Type": "application/json", "X-Signature-256": signature,
	}}
}

func github(body, signature, event string) post {
	return post{path: githubPath, body: body, header: map[string]string{
		"Content-Type": "application/json", "X-Hub-Signature-256": signature,
		"X-GitHub-Event": event, "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
	}}
}

func semaphore(body, signature string) post {
	return post{path: semaphorePath, body: body, header: map[string]string{
		"Content-Type": "application/json", "X-Semaphore-Signature-256": signature,
	}}
}

// with returns p with one more header set.
func (p post) with(name, value string) post {
	h := maps.Clone(p.header)
	h[name] = value
	p.header = h
	return p
}

func TestReceive(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(objectBody))
	tests := []struct {
		name        string
		post        post
		wantStatus  int
		wantCode    int    // gRPC code of an error body
		wantMessage string // of an error body; "" skips the check
		wantType    string // event type of the stored delivery
	}{
		// Signatures that verify.
		{name: "custom with prefix", post: custom(objectBody, good), wantStatus: 200, wantType: "webhook"},
		{name: "custom without prefix", post: custom(objectBody, hexSig(currentKey, objectBody)), wantStatus: 200, wantType: "webhook"},
		{name: "custom upper-case hex and prefix", post: custom(objectBody, strings.ToUpper(good)), wantStatus: 200, wantType: "webhook"},
		{name: "custom previous key in grace", post: custom(objectBody, webhook.Sign(previousKey, []byte(objectBody))), wantStatus: 200, wantType: "webhook"},
		{name: "github", post: github(objectBody, good, "push"), wantStatus: 200, wantType: "push"},
		{name: "semaphore with prefix", post: semaphore(objectBody, good), wantStatus: 200, wantType: "pipeline"},
		{name: "semaphore without prefix", post: semaphore(objectBody, hexSig(currentKey, objectBody)), wantStatus: 200, wantType: "pipeline"},

		// Signatures that do not: all the same 401.
		{name: "wrong key", post: custom(objectBody, webhook.Sign(strangerKey, []byte(objectBody))), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		// A delivery with no signature header names the header, whether or not
		// the source exists.
		{name: "missing signature", post: post{path: customPath, body: objectBody, header: map[string]string{"Content-Type": "application/json"}}, wantStatus: 401, wantCode: 16,
			wantMessage: "missing signature: sign the body with the event source's key in the X-Signature-256 header (or webhook-id, webhook-timestamp and webhook-signature for a standard-webhooks source)"},
		{name: "missing signature, unknown source", post: post{path: "/api/v1/sources/nope", body: objectBody, header: map[string]string{"Content-Type": "application/json"}}, wantStatus: 401, wantCode: 16,
			wantMessage: "missing signature: sign the body with the event source's key in the X-Signature-256 header (or webhook-id, webhook-timestamp and webhook-signature for a standard-webhooks source)"},
		{name: "github empty signature header", post: github(objectBody, "", "push"), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "empty signature", post: custom(objectBody, ""), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "prefix only", post: custom(objectBody, "sha256="), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "short signature", post: custom(objectBody, good[:len(good)-2]), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "long signature", post: custom(objectBody, good+"00"), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "non-hex signature", post: custom(objectBody, "sha256="+strings.Repeat("zz", 32)), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "sha1 signature", post: custom(objectBody, "sha1=0123456789abcdef0123456789abcdef01234567"), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "signature of another body", post: custom(`{"app":"other"}`, good), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "two signature headers", post: post{path: customPath, body: objectBody,
			header: map[string]string{"Content-Type": "application/json"},
			extra:  http.Header{"X-Signature-256": {good, webhook.Sign(strangerKey, []byte(objectBody))}}},
			wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "github without prefix", post: github(objectBody, hexSig(currentKey, objectBody), "push"), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "github signed in the custom header", post: github(objectBody, "", "push").with("X-Signature-256", good), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "semaphore wrong key", post: semaphore(objectBody, webhook.Sign(strangerKey, []byte(objectBody))), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "source with an empty key", post: post{path: "/api/v1/sources/nokey-1", body: objectBody, header: map[string]string{
			"Content-Type": "application/json", "X-Signature-256": webhook.Sign(nil, []byte(objectBody)),
		}}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		// The signature is checked before anything about the body, so an
		// unsigned sender learns nothing about what would be accepted.
		{name: "bad signature and not JSON", post: custom("not json", "sha256=00"), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "bad signature and text/plain", post: custom(objectBody, "").with("Content-Type", "text/plain"), wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},

		// Unknown sources and route mismatches: the same 401 as a bad
		// signature, so that a prober cannot tell which source ids exist.
		{name: "unknown source", post: post{path: "/api/v1/sources/nope", body: objectBody, header: custom(objectBody, good).header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "github source on custom route", post: post{path: "/api/v1/sources/gh-1", body: objectBody, header: custom(objectBody, good).header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "custom source on github route", post: post{path: "/api/v1/sources/custom-1/github", body: objectBody, header: github(objectBody, good, "push").header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "github source on semaphore route", post: post{path: "/api/v1/sources/gh-1/semaphore", body: objectBody, header: semaphore(objectBody, good).header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "custom source on webhook integration route", post: post{path: "/api/v1/sources/custom-1/webhook", body: objectBody, header: custom(objectBody, good).header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "unknown integration type", post: post{path: "/api/v1/sources/gh-1/nope", body: objectBody, header: github(objectBody, good, "push").header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "manual source", post: post{path: "/api/v1/sources/manual-1", body: objectBody, header: custom(objectBody, good).header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},
		{name: "scheduled source", post: post{path: "/api/v1/sources/scheduled-1", body: objectBody, header: custom(objectBody, good).header}, wantStatus: 401, wantCode: 16, wantMessage: refusedMessage},

		{name: "GET", post: post{method: http.MethodGet, path: customPath}, wantStatus: 405, wantCode: 3},
		{name: "PUT", post: custom(objectBody, good).withMethod(http.MethodPut), wantStatus: 405, wantCode: 3},

		// Content type, only once the signature is good.
		{name: "json with charset", post: custom(objectBody, good).with("Content-Type", "application/json; charset=utf-8"), wantStatus: 200, wantType: "webhook"},
		{name: "json upper case with charset", post: custom(objectBody, good).with("Content-Type", "Application/JSON;charset=UTF-8"), wantStatus: 200, wantType: "webhook"},
		{name: "text/plain", post: custom(objectBody, good).with("Content-Type", "text/plain"), wantStatus: 415, wantCode: 3},
		{name: "form", post: custom(objectBody, good).with("Content-Type", "application/x-www-form-urlencoded"), wantStatus: 415, wantCode: 3},
		{name: "no content type", post: custom(objectBody, good).with("Content-Type", ""), wantStatus: 415, wantCode: 3},
		{name: "malformed content type", post: custom(objectBody, good).with("Content-Type", "application/json; charset"), wantStatus: 415, wantCode: 3},

		// Bodies that are not a JSON object: a 400, never stored, so no event
		// can break a reader, and never a 500.
		{name: "not JSON", post: custom("not json", webhook.Sign(currentKey, []byte("not json"))), wantStatus: 400, wantCode: 3, wantMessage: "body is not valid JSON"},
		{name: "empty body", post: custom("", webhook.Sign(currentKey, nil)), wantStatus: 400, wantCode: 3, wantMessage: "body is not valid JSON"},
		{name: "truncated object", post: custom(`{"a":`, webhook.Sign(currentKey, []byte(`{"a":`))), wantStatus: 400, wantCode: 3, wantMessage: "body is not valid JSON"},
		{name: "two objects", post: custom(`{}{}`, webhook.Sign(currentKey, []byte(`{}{}`))), wantStatus: 400, wantCode: 3, wantMessage: "body is not valid JSON"},
		{name: "invalid UTF-8", post: custom("{\"a\":\"\xff\"}", webhook.Sign(currentKey, []byte("{\"a\":\"\xff\"}"))), wantStatus: 400, wantCode: 3, wantMessage: "body is not valid JSON"},
		{name: "JSON string", post: custom(`"hello"`, webhook.Sign(currentKey, []byte(`"hello"`))), wantStatus: 400, wantCode: 3, wantMessage: "body must be a JSON object"},
		{name: "JSON array", post: custom(`[{"a":1}]`, webhook.Sign(currentKey, []byte(`[{"a":1}]`))), wantStatus: 400, wantCode: 3, wantMessage: "body must be a JSON object"},
		{name: "JSON number", post: custom(`42`, webhook.Sign(currentKey, []byte(`42`))), wantStatus: 400, wantCode: 3, wantMessage: "body must be a JSON object"},
		{name: "JSON null", post: custom(`null`, webhook.Sign(currentKey, []byte(`null`))), wantStatus: 400, wantCode: 3, wantMessage: "body must be a JSON object"},
		{name: "object with surrounding space", post: custom(" \n{}\n", webhook.Sign(currentKey, []byte(" \n{}\n"))), wantStatus: 200, wantType: "webhook"},

		// Event type and delivery id.
		{name: "github without event header", post: github(objectBody, good, ""), wantStatus: 400, wantCode: 3, wantMessage: "missing X-GitHub-Event header"},
		{name: "delivery id too long", post: custom(objectBody, good).with("X-Delivery-Id", strings.Repeat("d", 256)), wantStatus: 400, wantCode: 3},
		{name: "delivery id at the limit", post: custom(objectBody, good).with("X-Delivery-Id", strings.Repeat("d", 255)), wantStatus: 200, wantType: "webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newMemSink()
			rec := do(newMux(testSources(), sink, webhook.Config{}), tt.post)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus != 200 {
				e := decodeError(t, rec)
				if e.Code != tt.wantCode {
					t.Errorf("code = %d, want %d", e.Code, tt.wantCode)
				}
				if tt.wantMessage != "" && e.Message != tt.wantMessage {
					t.Errorf("message = %q, want %q", e.Message, tt.wantMessage)
				}
				if n := sink.count(); n != 0 {
					t.Errorf("%d deliveries stored, want none", n)
				}
				return
			}
			if n := sink.count(); n != 1 {
				t.Fatalf("%d deliveries stored, want 1", n)
			}
			d := sink.last()
			if d.Type != tt.wantType {
				t.Errorf("event type = %q, want %q", d.Type, tt.wantType)
			}
			if d.Body == nil || string(d.Body) != tt.post.body {
				t.Errorf("stored body = %q, want the raw body %q", d.Body, tt.post.body)
			}
			if r := decodeReceipt(t, rec); r.EventID != "event-1" || r.Duplicate {
				t.Errorf("receipt = %+v, want event-1, not duplicate", r)
			}
		})
	}
}

func (p post) withMethod(method string) post {
	p.method = method
	return p
}

func TestReceiveMethodNotAllowedSaysPost(t *testing.T) {
	rec := do(newMux(testSources(), newMemSink(), webhook.Config{}), post{method: http.MethodGet, path: customPath})
	if got := rec.Header().Get("Allow"); got != "POST" {
		t.Errorf("Allow = %q, want POST", got)
	}
}

func TestReceiveBodyLimit(t *testing.T) {
	body := `{"pad":"` + strings.Repeat("x", 2000) + `"}`
	good := webhook.Sign(currentKey, []byte(body))
	tests := []struct {
		name          string
		limit         int64
		unknownLength bool
		wantStatus    int
	}{
		{name: "declared length over", limit: 1024, wantStatus: 413},
		{name: "chunked over", limit: 1024, unknownLength: true, wantStatus: 413},
		{name: "exactly at the limit", limit: int64(len(body)), wantStatus: 200},
		{name: "chunked at the limit", limit: int64(len(body)), unknownLength: true, wantStatus: 200},
		{name: "one byte over", limit: int64(len(body)) - 1, unknownLength: true, wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newMemSink()
			p := custom(body, good)
			p.unknownLength = tt.unknownLength
			rec := do(newMux(testSources(), sink, webhook.Config{MaxBodyBytes: tt.limit}), p)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			wantStored := 0
			if tt.wantStatus == 413 {
				if e := decodeError(t, rec); e.Code != 3 {
					t.Errorf("code = %d, want 3", e.Code)
				}
			} else {
				wantStored = 1
			}
			if n := sink.count(); n != wantStored {
				t.Errorf("%d deliveries stored, want %d", n, wantStored)
			}
		})
	}
}

func TestReceiveDefaultBodyLimitIs5MiB(t *testing.T) {
	over := `{"pad":"` + strings.Repeat("x", 5<<20) + `"}`
	sink := newMemSink()
	rec := do(newMux(testSources(), sink, webhook.Config{}), custom(over, webhook.Sign(currentKey, []byte(over))))
	if rec.Code != http.StatusRequestEntityTooLarge || sink.count() != 0 {
		t.Errorf("status = %d with %d stored, want 413 with none", rec.Code, sink.count())
	}
	under := `{"pad":"` + strings.Repeat("x", 4<<20) + `"}`
	rec = do(newMux(testSources(), sink, webhook.Config{}), custom(under, webhook.Sign(currentKey, []byte(under))))
	if rec.Code != http.StatusOK {
		t.Errorf("4 MiB body: status = %d, want 200", rec.Code)
	}
}

func TestReceiveGitHubPingIsNotStored(t *testing.T) {
	body := `{"zen":"Keep it logically awesome.","hook_id":123456,"hook":{"type":"Repository","events":["push"]}}`
	sink := newMemSink()
	rec := do(newMux(testSources(), sink, webhook.Config{}), github(body, webhook.Sign(currentKey, []byte(body)), "ping"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
	}
	if n := sink.count(); n != 0 {
		t.Errorf("%d deliveries stored, want none for a ping", n)
	}
	// A ping is acknowledged only when it is genuine.
	rec = do(newMux(testSources(), sink, webhook.Config{}), github(body, webhook.Sign(strangerKey, []byte(body)), "ping"))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("badly signed ping: status = %d, want 401", rec.Code)
	}
}

func TestReceiveDuplicateDelivery(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(objectBody))
	tests := []struct {
		name   string
		first  post
		second post
	}{
		{name: "github delivery id", first: github(objectBody, good, "push"), second: github(objectBody, good, "push")},
		{name: "custom Idempotency-Key", first: custom(objectBody, good).with("Idempotency-Key", "k-1"), second: custom(objectBody, good).with("Idempotency-Key", "k-1")},
		{name: "custom X-Delivery-Id", first: custom(objectBody, good).with("X-Delivery-Id", "d-1"), second: custom(objectBody, good).with("X-Delivery-Id", "d-1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newMemSink()
			mux := newMux(testSources(), sink, webhook.Config{})
			first := do(mux, tt.first)
			if first.Code != 200 {
				t.Fatalf("first: status = %d, want 200", first.Code)
			}
			second := do(mux, tt.second)
			if second.Code != 200 {
				t.Fatalf("second: status = %d, want 200", second.Code)
			}
			r1, r2 := decodeReceipt(t, first), decodeReceipt(t, second)
			if r1.Duplicate || !r2.Duplicate || r2.EventID != r1.EventID || r1.EventID == "" {
				t.Errorf("receipts = %+v then %+v, want the first id again with duplicate true", r1, r2)
			}
			if n := sink.count(); n != 1 {
				t.Errorf("%d deliveries stored, want 1", n)
			}
		})
	}

	t.Run("without delivery id both are stored", func(t *testing.T) {
		sink := newMemSink()
		mux := newMux(testSources(), sink, webhook.Config{})
		for range 2 {
			if rec := do(mux, custom(objectBody, good)); rec.Code != 200 {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
		}
		if n := sink.count(); n != 2 {
			t.Errorf("%d deliveries stored, want 2", n)
		}
	})

	t.Run("Idempotency-Key wins over X-Delivery-Id", func(t *testing.T) {
		sink := newMemSink()
		do(newMux(testSources(), sink, webhook.Config{}), custom(objectBody, good).with("Idempotency-Key", "k-1").with("X-Delivery-Id", "d-1"))
		if got := sink.last().DeliveryID; got != "k-1" {
			t.Errorf("delivery id = %q, want k-1", got)
		}
	})
}

func TestReceiveUnavailable(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(objectBody))
	t.Run("sink failure", func(t *testing.T) {
		sink := newMemSink()
		sink.err = errors.New("database is locked")
		rec := do(newMux(testSources(), sink, webhook.Config{}), github(objectBody, good, "push"))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status = %d, want 503", rec.Code)
		}
		if e := decodeError(t, rec); e.Code != 14 || strings.Contains(e.Message, "locked") {
			t.Errorf("error = %+v, want code 14 without the store's detail", e)
		}
	})
	t.Run("lookup failure", func(t *testing.T) {
		sources := testSources()
		sources.err = errors.New("connection refused")
		sink := newMemSink()
		rec := do(newMux(sources, sink, webhook.Config{}), custom(objectBody, good))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status = %d, want 503", rec.Code)
		}
		if e := decodeError(t, rec); e.Code != 14 || strings.Contains(e.Message, "refused") {
			t.Errorf("error = %+v, want code 14 without the lookup's detail", e)
		}
	})
}

func TestReceivePanicCostsOneDelivery(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(objectBody))
	sink := newMemSink()
	sink.panics = true
	mux := newMux(testSources(), sink, webhook.Config{})
	rec := do(mux, custom(objectBody, good))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if e := decodeError(t, rec); e.Code != 13 {
		t.Errorf("code = %d, want 13", e.Code)
	}
	sink.panics = false
	if rec := do(mux, custom(objectBody, good)); rec.Code != http.StatusOK {
		t.Errorf("after a panic: status = %d, want 200", rec.Code)
	}
}

func TestReceiveHeaders(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(objectBody))
	p := custom(objectBody, good).with("Authorization", "Bearer secret-token").with("Cookie", "session=abc")
	p.extra = http.Header{
		"X-Superplane-Force": {"a", "b"}, "Proxy-Authorization": {"Basic Zm9vOmJhcg=="}, "X-Hub-Signature-256": {good},
		// Credentials under any name, and headers nobody listed: none kept.
		"X-Api-Key": {"k1"}, "X-Gitlab-Token": {"t1"}, "X-Superplane-Token": {"t2"}, "X-Superplane-Api-Key": {"k2"},
		"X-My-Secret": {"s1"}, "X-Custom-Signature": {"s2"}, "Set-Cookie": {"c"}, "X-Trace": {"t"}, "Accept": {"*/*"},
		"X-Request-Id": {"req-1"},
	}
	sink := newMemSink()
	if rec := do(newMux(testSources(), sink, webhook.Config{}), p); rec.Code != 200 {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	want := map[string]string{"content-type": "application/json", "x-superplane-force": "a, b", "x-request-id": "req-1"}
	if got := sink.last().Headers; !reflect.DeepEqual(got, want) {
		t.Errorf("headers = %v, want %v", got, want)
	}
}

// TestReceiveGitHubPush sends a delivery as GitHub does, over a real
// connection, and checks what reaches the store.
func TestReceiveGitHubPush(t *testing.T) {
	body, err := os.ReadFile("testdata/github_push.json")
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	srv := httptest.NewServer(newMux(testSources(), sink, webhook.Config{}))
	defer srv.Close()

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+githubPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	const delivery = "0b989ba4-242f-11e5-81e1-c7b6a6a8c1d9"
	req.Header = http.Header{
		"Accept":                                 {"*/*"},
		"Content-Type":                           {"application/json"},
		"User-Agent":                             {"GitHub-Hookshot/044aadd"},
		"X-Github-Delivery":                      {delivery},
		"X-Github-Event":                         {"push"},
		"X-Github-Hook-Id":                       {"292430182"},
		"X-Github-Hook-Installation-Target-Id":   {"79929171"},
		"X-Github-Hook-Installation-Target-Type": {"repository"},
		"X-Hub-Signature":                        {"sha1=d03e3a3e3ad8e2b8f7ae9f6e3b4c1e2a6b7f8e9d"},
		"X-Hub-Signature-256":                    {webhook.Sign(currentKey, body)},
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var receipt webhook.Receipt
	if err := json.NewDecoder(resp.Body).Decode(&receipt); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || receipt.EventID == "" || receipt.Duplicate {
		t.Fatalf("status %d, receipt %+v; want 200 with a new event id", resp.StatusCode, receipt)
	}

	d := sink.last()
	if d.SourceID != "gh-1" || d.Type != "push" || d.DeliveryID != delivery {
		t.Errorf("delivery = %s %s %s, want gh-1 push %s", d.SourceID, d.Type, d.DeliveryID, delivery)
	}
	if !bytes.Equal(d.Body, body) {
		t.Error("stored body differs from the raw body that was signed")
	}
	// Only the allow-listed headers: not Accept, Accept-Encoding or
	// Content-Length, and never a signature.
	want := map[string]string{
		"content-type":                           "application/json",
		"user-agent":                             "GitHub-Hookshot/044aadd",
		"x-github-delivery":                      delivery,
		"x-github-event":                         "push",
		"x-github-hook-id":                       "292430182",
		"x-github-hook-installation-target-id":   "79929171",
		"x-github-hook-installation-target-type": "repository",
	}
	if !reflect.DeepEqual(d.Headers, want) {
		t.Errorf("headers = %v\nwant %v", d.Headers, want)
	}
	// The payload stays usable by filters such as $.ref == 'refs/heads/main'.
	var payload struct {
		Ref        string `json:"ref"`
		Commits    []any  `json:"commits"`
		Repository struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(d.Body, &payload); err != nil || payload.Ref != "refs/heads/main" ||
		len(payload.Commits) != 1 || payload.Repository.FullName != "acme/app" {
		t.Errorf("payload = %+v (%v), want the push to acme/app main with one commit", payload, err)
	}
}

// TestReceiveLogsNoSecrets checks that the log carries what an operator needs
// and none of the body, the signature or the key, whatever the outcome.
func TestReceiveLogsNoSecrets(t *testing.T) {
	const marker = "body-marker-4c1f"
	body := `{"secret":"` + marker + `"}`
	good := webhook.Sign(currentKey, []byte(body))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	failing := newMemSink()
	failing.err = errors.New("disk full")
	posts := []struct {
		sink *memSink
		post post
	}{
		{newMemSink(), github(body, good, "push")},
		{newMemSink(), custom(body, good)},
		{newMemSink(), custom(body, webhook.Sign(strangerKey, []byte(body)))},
		{newMemSink(), custom(`"`+marker+`"`, webhook.Sign(currentKey, []byte(`"`+marker+`"`)))},
		{newMemSink(), custom(marker, webhook.Sign(currentKey, []byte(marker)))},
		{failing, custom(body, good)},
	}
	for _, p := range posts {
		do(newMux(testSources(), p.sink, webhook.Config{Logger: logger}), p.post)
	}
	out := logs.String()
	for _, secret := range []string{marker, hexSig(currentKey, body), hexSig(strangerKey, body), string(currentKey), string(previousKey)} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"source_id=gh-1", "status=200", "delivery_id=72d3162e-cc78-11e3-81ab-4c9367dc0958", "status=401", "status=503", "disk full"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestNewHandlerNeedsDependencies(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewHandler with a nil Sink did not panic")
		}
	}()
	webhook.NewHandler(testSources(), nil, webhook.Config{})
}
