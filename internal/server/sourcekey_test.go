package server_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestSuppliedSourceKey: a webhook source created with a key the user
// supplies verifies deliveries signed with it, never answers it back, and
// keeps it sealed; reset-key with a new supplied key rotates, the old key
// verifying through the grace period.
func TestSuppliedSourceKey(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	key1 := "user-key-" + strings.Repeat("a1", 16)
	key2 := "user-key-" + strings.Repeat("b2", 16)
	req := sourceBody("hook", api.EventSourceSpec{Type: "webhook"})
	req.Key = key1
	r := e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", req)
	var created api.EventSourceResponse
	r.decode(t, &created)
	if created.Key != "" || bytes.Contains(r.body, []byte(key1)) {
		t.Fatalf("create answered the supplied key back: %s", r.body)
	}
	path := "/api/v1/sources/" + created.EventSource.Metadata.ID
	send := func(key string, n int) int {
		b := []byte(`{"n":` + strconv.Itoa(n) + `}`)
		status, _ := deliver(t, e, path, b, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(key), b)})
		return status
	}
	if status := send(key1, 1); status != 200 {
		t.Fatalf("delivery signed with the supplied key: %d", status)
	}
	if status := send(strings.Repeat("0", 64), 2); status != 401 {
		t.Fatalf("delivery signed with another key: %d", status)
	}

	r = e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", map[string]string{"key": key2})
	var reset api.EventSourceResponse
	r.decode(t, &reset)
	if reset.Key != "" || bytes.Contains(r.body, []byte(key2)) || reset.EventSource.Status.KeyVersion != 2 {
		t.Fatalf("reset-key with a supplied key: %s", r.body)
	}
	for i, k := range []string{key2, key1} {
		if status := send(k, 10+i); status != 200 {
			t.Fatalf("key %d after the reset, in the grace period: %d", i, status)
		}
	}
	// Without a body, reset-key still generates a key and shows it once.
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", nil).decode(t, &reset)
	if len(reset.Key) != 64 || reset.EventSource.Status.KeyVersion != 3 {
		t.Fatalf("reset-key without a body: key %q version %d", reset.Key, reset.EventSource.Status.KeyVersion)
	}

	files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(key1)) || bytes.Contains(b, []byte(key2)) {
			t.Errorf("%s holds a supplied key in plaintext", filepath.Base(f))
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, key1) || strings.Contains(logs, key2) {
		t.Error("the log holds a supplied key")
	}
}

// TestSuppliedStandardWebhooksKey: a Standard Webhooks source takes its key
// as the whsec_ secret its sender is configured with.
func TestSuppliedStandardWebhooksKey(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	raw := bytes.Repeat([]byte{0x5a, 0xa5}, 16)
	req := sourceBody("std", api.EventSourceSpec{Type: "webhook", SignatureScheme: api.SignatureSchemeStandardWebhooks})
	req.Key = webhook.StandardSecret(raw)
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", req).decode(t, &created)
	if created.Key != "" {
		t.Fatalf("create answered the supplied key back: %q", created.Key)
	}
	body := []byte(`{"deploy":"v1"}`)
	now := time.Now().Unix()
	status, resp := deliver(t, e, "/api/v1/sources/"+created.EventSource.Metadata.ID, body, map[string]string{
		"Content-Type": "application/json", "Webhook-Id": "msg_1", "Webhook-Timestamp": strconv.FormatInt(now, 10),
		"Webhook-Signature": webhook.SignStandard(raw, "msg_1", now, body)})
	if status != 200 {
		t.Fatalf("delivery signed with the supplied secret: %d %s", status, resp)
	}
}

// TestSuppliedSourceKeyBadInput: a supplied key out of bounds, on the
// wrong kind of source or on an update is a 400 naming key, whose message
// never quotes the key; nothing is created.
func TestSuppliedSourceKeyBadInput(t *testing.T) {
	e, _ := githubSourceEnv(t)
	withKey := func(spec api.EventSourceSpec, key string) api.EventSourceRequest {
		req := sourceBody("x", spec)
		req.Key = key
		return req
	}
	hmac := api.EventSourceSpec{Type: "webhook"}
	std := api.EventSourceSpec{Type: "webhook", SignatureScheme: api.SignatureSchemeStandardWebhooks}
	short := "short-key-0123456789"
	cases := []struct {
		name, key string
		body      api.EventSourceRequest
		contains  string
	}{
		{"TooShort", short, withKey(hmac, short), "key must be 32 to 256 characters long, not 20"},
		{"TooLong", strings.Repeat("k", 257), withKey(hmac, strings.Repeat("k", 257)), "key must be 32 to 256 characters long, not 257"},
		{"Space", "a key with spaces in it 0123456789", withKey(hmac, "a key with spaces in it 0123456789"), "key must be printable ASCII without spaces (character 2 is not)"},
		{"NonASCII", "clé-" + strings.Repeat("x", 32), withKey(hmac, "clé-"+strings.Repeat("x", 32)), "key must be printable ASCII"},
		{"StandardWithoutPrefix", strings.Repeat("x", 40), withKey(std, strings.Repeat("x", 40)), "key must be a Standard Webhooks secret, whsec_<base64>"},
		{"StandardNotBase64", "whsec_!!!!" + strings.Repeat("x", 40), withKey(std, "whsec_!!!!"+strings.Repeat("x", 40)), "key must be whsec_ followed by standard base64"},
		{"StandardTooFewBytes", "whsec_" + base64.StdEncoding.EncodeToString([]byte("sixteen-bytes-xx")), withKey(std, "whsec_"+base64.StdEncoding.EncodeToString([]byte("sixteen-bytes-xx"))), "key must decode to 24 to 64 bytes, not 16"},
		{"GitHubSource", strings.Repeat("g", 40), withKey(api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Name: "app"}}, strings.Repeat("g", 40)),
			"key: only a webhook source takes a supplied key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", tc.body)
			if r.status != 400 || r.err.Code != api.CodeInvalidArgument || !strings.Contains(r.err.Message, tc.contains) {
				t.Fatalf("got %d %s; want 400 mentioning %q", r.status, r.body, tc.contains)
			}
			if len(tc.key) >= 8 && strings.Contains(r.err.Message, tc.key) {
				t.Fatalf("the message quotes the key: %s", r.err.Message)
			}
		})
	}
	var list api.ListEventSourcesResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/event-sources", nil).decode(t, &list)
	if len(list.EventSources) != 0 {
		t.Fatalf("bad keys created %d sources", len(list.EventSources))
	}

	// reset-key checks the key the same way and leaves the old one alone.
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", hmac)).decode(t, &created)
	r := e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", map[string]string{"key": short})
	if r.status != 400 || !strings.Contains(r.err.Message, "key must be 32 to 256 characters long") {
		t.Fatalf("reset-key with a short key: %d %s", r.status, r.body)
	}
	var got api.EventSourceResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/event-sources/hook", nil).decode(t, &got)
	if got.EventSource.Status.KeyVersion != 1 {
		t.Fatalf("a refused reset-key moved the key version to %d", got.EventSource.Status.KeyVersion)
	}
	// An update cannot set the key: that is what reset-key is for.
	upd := sourceBody("hook", hmac)
	upd.Key = strings.Repeat("u", 40)
	r = e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/hook", upd)
	if r.status != 400 || !strings.Contains(r.err.Message, "key cannot be set by an update") {
		t.Fatalf("update with a key: %d %s", r.status, r.body)
	}
}
