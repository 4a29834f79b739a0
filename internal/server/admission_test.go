package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestReceiverShareIsTheOrganizations: the receivers' in-flight budget is
// shared out by organization, as the server knows it. With a budget of
// four bodies at the limit, one slow body at one of acme's sources holds
// acme's quarter: a delivery to acme's other source is answered 503 with
// Retry-After, one to another organization's source 200; once the slow
// sender hangs up, acme is served again.
func TestReceiverShareIsTheOrganizations(t *testing.T) {
	const limit = 1000
	e := newEnv(t, envOption{srv: []server.Option{server.WithWebhookBodyLimit(limit), server.WithWebhookInflightLimit(4 * limit)}})
	createCanvas(t, e, "prod")
	e.do("other", "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}).decode(t, &api.CanvasResponse{})
	source := func(who, name string) (path, key string) {
		var created api.EventSourceResponse
		e.do(who, "POST", "/api/v1/canvases/prod/event-sources", sourceBody(name, api.EventSourceSpec{Type: "webhook"})).decode(t, &created)
		return "/api/v1/sources/" + created.EventSource.Metadata.ID, created.Key
	}
	slowPath, slowKey := source("owner", "slow")
	acmePath, acmeKey := source("owner", "hook")
	otherPath, otherKey := source("other", "hook")

	body := `{"pad":"` + strings.Repeat("x", limit-len(`{"pad":""}`)) + `"}`
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.url, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\nX-Signature-256: %s\r\nContent-Length: %d\r\n\r\n%s",
		slowPath, webhook.Sign([]byte(slowKey), []byte(body)), len(body), body[:limit/2])); err != nil {
		t.Fatal(err)
	}

	small := []byte(`{"n":1}`)
	post := func(path, key string) (int, string) {
		return deliver(t, e, path, small, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(key), small)})
	}
	// The slow request reaches the receiver on its own goroutine: poll,
	// for at most five seconds, until acme's share is taken.
	waitFor := func(what, path, key string, want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			status, resp := post(path, key)
			if status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %d %s, want %d", what, status, resp, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("acme's other source while a slow body holds acme's share", acmePath, acmeKey, 503)
	req := deliverRequest(t, e, acmePath, small, acmeKey)
	if req.status != 503 || req.retryAfter == "" {
		t.Errorf("acme while its share is full: %d, Retry-After %q; want 503 with Retry-After", req.status, req.retryAfter)
	}
	if status, resp := post(otherPath, otherKey); status != 200 {
		t.Fatalf("another organization during acme's flood: %d %s, want 200", status, resp)
	}
	_ = conn.Close()
	waitFor("acme once the slow sender hung up", acmePath, acmeKey, 200)
}

// deliveryAnswer is a receiver's status and Retry-After.
type deliveryAnswer struct {
	status     int
	retryAfter string
}

// deliverRequest posts a signed body and returns the status and Retry-After.
func deliverRequest(t *testing.T, e *env, path string, body []byte, key string) deliveryAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-256", webhook.Sign([]byte(key), body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return deliveryAnswer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
}
