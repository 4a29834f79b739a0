package webhook_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

const (
	bitbucketPath = "/api/v1/sources/bb-1/bitbucket"
	bitbucketBody = `{"push":{"changes":[{"new":{"type":"branch","name":"main"}}]},"repository":{"full_name":"acme/app"}}`
	requestUUID   = "5b6f3c6e-1b7e-4a51-9b66-8d7f1b1f0c11"
)

// bitbucket is a delivery as Bitbucket Cloud sends it to a hook with a
// secret.
func bitbucket(body, signature string) post {
	return post{path: bitbucketPath, body: body, header: map[string]string{
		"Content-Type": "application/json", "User-Agent": "Bitbucket-Webhooks/2.0",
		"X-Event-Key": "repo:push", "X-Hook-UUID": "0b6f3c6e-aaaa-4a51-9b66-8d7f1b1f0c11",
		"X-Request-UUID": requestUUID, "X-Attempt-Number": "1",
		"X-Hub-Signature": signature,
	}}
}

// TestReceiveBitbucket: a delivery signed with the source's key (current
// or previous) in X-Hub-Signature is stored with its event key as type and
// its request uuid as delivery id; a bad, unprefixed, missing or doubled
// signature is refused before the body is looked at, and nothing is
// stored.
func TestReceiveBitbucket(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(bitbucketBody))
	for _, c := range []struct {
		name    string
		p       post
		status  int
		message string
	}{
		{"signed", bitbucket(bitbucketBody, good), 200, ""},
		{"signed with the previous key", bitbucket(bitbucketBody, webhook.Sign(previousKey, []byte(bitbucketBody))), 200, ""},
		{"prefix in capitals", bitbucket(bitbucketBody, "SHA256="+hexSig(currentKey, bitbucketBody)), 200, ""},
		{"bad signature", bitbucket(bitbucketBody, webhook.Sign(strangerKey, []byte(bitbucketBody))), 401, refusedMessage},
		{"body changed", bitbucket(`{"push":{}}`, good), 401, refusedMessage},
		{"no prefix", bitbucket(bitbucketBody, hexSig(currentKey, bitbucketBody)), 401, refusedMessage},
		{"missing signature", bitbucket(bitbucketBody, "").with("X-Hub-Signature", ""), 401, "X-Hub-Signature header"},
		{"GitHub's header instead", func() post {
			p := bitbucket(bitbucketBody, "")
			delete(p.header, "X-Hub-Signature")
			p.header["X-Hub-Signature-256"] = good
			return p
		}(), 401, "X-Hub-Signature header"},
		{"two signatures", func() post {
			p := bitbucket(bitbucketBody, good)
			p.extra = http.Header{"X-Hub-Signature": {good}}
			return p
		}(), 401, refusedMessage},
		{"signed garbage", bitbucket("not json", webhook.Sign(currentKey, []byte("not json"))), 400, "body is not valid JSON"},
		{"no event key", bitbucket(bitbucketBody, good).with("X-Event-Key", ""), 400, "missing X-Event-Key header"},
		{"to a github source", bitbucket(bitbucketBody, good).at("/api/v1/sources/gh-1/bitbucket"), 401, refusedMessage},
		{"github route to a bitbucket source", bitbucket(bitbucketBody, good).at("/api/v1/sources/bb-1/github"), 401, "X-Hub-Signature-256"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			if v, ok := p.header["X-Hub-Signature"]; ok && v == "" {
				delete(p.header, "X-Hub-Signature")
			}
			if v, ok := p.header["X-Event-Key"]; ok && v == "" {
				delete(p.header, "X-Event-Key")
			}
			sink := newMemSink()
			rec := do(newMux(testSources(), sink, webhook.Config{}), p)
			if rec.Code != c.status {
				t.Fatalf("status = %d (%s), want %d", rec.Code, rec.Body, c.status)
			}
			if c.status != 200 {
				if e := decodeError(t, rec); !strings.Contains(e.Message, c.message) {
					t.Errorf("message = %q, want %q", e.Message, c.message)
				}
				if sink.count() != 0 {
					t.Error("a refused delivery was stored")
				}
				return
			}
			if r := decodeReceipt(t, rec); r.EventID == "" || r.Duplicate {
				t.Errorf("receipt = %+v", r)
			}
			if d := sink.last(); d.SourceID != "bb-1" || d.Type != "repo:push" || d.DeliveryID != requestUUID {
				t.Errorf("delivery = %s %s %s, want bb-1 repo:push %s", d.SourceID, d.Type, d.DeliveryID, requestUUID)
			}
		})
	}
}

// TestReceiveBitbucketOverTheWire: a delivery over a real connection keeps
// Bitbucket's headers (never the signature) and its raw body, and a redelivery
// of the same request uuid answers the first event.
func TestReceiveBitbucketOverTheWire(t *testing.T) {
	sink := newMemSink()
	srv := httptest.NewServer(newMux(testSources(), sink, webhook.Config{}))
	defer srv.Close()
	send := func() webhook.Receipt {
		t.Helper()
		p := bitbucket(bitbucketBody, webhook.Sign(currentKey, []byte(bitbucketBody)))
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+p.path, bytes.NewReader([]byte(p.body)))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range p.header {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r webhook.Receipt
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		return r
	}
	first := send()
	d := sink.last()
	if !bytes.Equal(d.Body, []byte(bitbucketBody)) {
		t.Error("stored body differs from the raw body that was signed")
	}
	want := map[string]string{
		"content-type": "application/json", "user-agent": "Bitbucket-Webhooks/2.0",
		"x-event-key": "repo:push", "x-hook-uuid": "0b6f3c6e-aaaa-4a51-9b66-8d7f1b1f0c11",
		"x-request-uuid": requestUUID, "x-attempt-number": "1",
	}
	if !reflect.DeepEqual(d.Headers, want) {
		t.Errorf("headers = %v\nwant %v", d.Headers, want)
	}
	again := send()
	if !again.Duplicate || again.EventID != first.EventID || sink.count() != 1 {
		t.Errorf("redelivery = %+v (stored %d), want the first event as a duplicate", again, sink.count())
	}
}
