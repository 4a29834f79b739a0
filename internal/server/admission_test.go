package server_test

import (
	"bytes"
	"errors"
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
// four bodies at the limit (1 MiB, the API's: a share is never less), one
// slow body at one of acme's sources holds acme's quarter: a delivery to
// acme's other source is answered 503 with Retry-After, one to another
// organization's source 200; once the slow sender hangs up, acme is
// served again.
func TestReceiverShareIsTheOrganizations(t *testing.T) {
	const limit = 1 << 20
	e := newEnv(t, envOption{srv: []server.Option{server.WithWebhookBodyLimit(limit), server.WithWebhookInflightLimit(4 * limit)}})
	createCanvas(t, e, "prod")
	e.do("other", "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}).decode(t, &api.CanvasResponse{})
	slowPath, slowKey := customSource(t, e, "owner", "slow")
	acmePath, acmeKey := customSource(t, e, "owner", "hook")
	otherPath, otherKey := customSource(t, e, "other", "hook")

	conn := slowDelivery(t, e, slowPath, slowKey, limit)
	defer func() { _ = conn.Close() }()

	small := []byte(`{"n":1}`)
	post := func(path, key string) (int, string) {
		return deliver(t, e, path, small, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(key), small)})
	}
	// The slow request reaches the receiver on its own goroutine: poll,
	// for at most five seconds, until acme's share is taken.
	waitFor := func(what, path, key string, want int, slow bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			status, resp := post(path, key)
			if status == want {
				return
			}
			if slow && answered(conn) {
				_ = conn.Close()
				conn = slowDelivery(t, e, slowPath, slowKey, limit)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %d %s, want %d", what, status, resp, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("acme's other source while a slow body holds acme's share", acmePath, acmeKey, 503, true)
	req := deliverRequest(t, e, acmePath, small, acmeKey)
	if req.status != 503 || req.retryAfter == "" {
		t.Errorf("acme while its share is full: %d, Retry-After %q; want 503 with Retry-After", req.status, req.retryAfter)
	}
	if status, resp := post(otherPath, otherKey); status != 200 {
		t.Fatalf("another organization during acme's flood: %d %s, want 200", status, resp)
	}
	_ = conn.Close()
	waitFor("acme once the slow sender hung up", acmePath, acmeKey, 200, false)
}

// customSource creates a custom webhook source in who's canvas prod and
// returns its receiver path and key.
func customSource(t *testing.T, e *env, who, name string) (path, key string) {
	t.Helper()
	var created api.EventSourceResponse
	e.do(who, "POST", "/api/v1/canvases/prod/event-sources", sourceBody(name, api.EventSourceSpec{Type: "webhook"})).decode(t, &created)
	return "/api/v1/sources/" + created.EventSource.Metadata.ID, created.Key
}

// slowDelivery starts a signed delivery of a body of limit bytes to path
// and sends half of it: the receiver holds the body's share of the
// in-flight budget until the returned connection closes.
func slowDelivery(t *testing.T, e *env, path, key string, limit int) net.Conn {
	t.Helper()
	body := `{"pad":"` + strings.Repeat("x", limit-len(`{"pad":""}`)) + `"}`
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.url, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\nX-Signature-256: %s\r\nContent-Length: %d\r\n\r\n%s",
		path, webhook.Sign([]byte(key), []byte(body)), len(body), body[:limit/2])); err != nil {
		_ = conn.Close()
		t.Fatal(err)
	}
	return conn
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

// TestAPIBodiesShareTheOrganizationsBudget: the API's routes draw on the
// receivers' budget, by the token's organization. With a budget of four
// bodies at the API's 1 MiB limit, one slow 1 MiB request body from acme
// holds acme's quarter: acme's next write, and a delivery to one of acme's
// sources, are answered 503 with Retry-After before their bodies are read,
// while the other organization writes as usual; once the slow client hangs
// up, acme writes again.
func TestAPIBodiesShareTheOrganizationsBudget(t *testing.T) {
	const apiLimit = 1 << 20
	e := newEnv(t, envOption{srv: []server.Option{server.WithWebhookBodyLimit(apiLimit), server.WithWebhookInflightLimit(4 * apiLimit)}})
	createCanvas(t, e, "prod")
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &created)
	hookPath := "/api/v1/sources/" + created.EventSource.Metadata.ID

	slowBody := func() net.Conn {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.url, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, fmt.Sprintf("POST /api/v1/canvases HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"canvas\":",
			e.tokens["owner"], apiLimit)); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	conn := slowBody()
	defer func() { _ = conn.Close() }()

	write := func(who, name string) response {
		return e.do(who, "POST", "/api/v1/secrets", secretBody("DOMAIN_TYPE_ORGANIZATION", "", name, map[string]string{"K": "v"}))
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		r := write("owner", fmt.Sprintf("acme-%d", i))
		if r.status == http.StatusServiceUnavailable {
			break
		}
		if r.status != http.StatusOK && r.status != http.StatusCreated {
			t.Fatalf("acme's write before its share filled: %d %s", r.status, r.body)
		}
		if answered(conn) {
			_ = conn.Close()
			conn = slowBody()
		}
		if time.Now().After(deadline) {
			t.Fatal("acme's writes still answered after 30 s of a slow 1 MiB body: nothing bounds its bodies in flight")
		}
		time.Sleep(10 * time.Millisecond)
	}
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.url+"/api/v1/secrets", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "5" {
		t.Errorf("acme's write while its share is full: %d, Retry-After %q; want 503, 5", res.StatusCode, res.Header.Get("Retry-After"))
	}
	small := []byte(`{"n":1}`)
	if got := deliverRequest(t, e, hookPath, small, created.Key); got.status != 503 || got.retryAfter != "5" {
		t.Errorf("a delivery to acme's source while acme's share is full: %d, Retry-After %q; want 503, 5", got.status, got.retryAfter)
	}
	if r := write("other", "other-1"); r.status != http.StatusOK && r.status != http.StatusCreated {
		t.Fatalf("another organization's write during acme's slow body: %d %s", r.status, r.body)
	}
	_ = conn.Close()
	deadline = time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		r := write("owner", fmt.Sprintf("acme-after-%d", i))
		if r.status == http.StatusOK || r.status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("acme once the slow client hung up: still %d %s", r.status, r.body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// answered reports, without waiting, whether the server has already
// answered conn's slow request: refused at admission because a request
// just before it still held its organization's share. A share is released
// when its handler returns, which is before net/http sends the rest of a
// buffered answer (DECISIONS.md, 2026-12-07), but an answer that ends
// exactly on the buffer's edge, or a client that sends its next request
// before its previous one's handler has returned, can still meet it, and a
// test that fills a share exactly meets that under load. The caller then
// sends the slow request again.
func answered(conn net.Conn) bool {
	_ = conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	defer func() { _ = conn.SetReadDeadline(time.Time{}) }()
	var b [1]byte
	n, err := conn.Read(b[:])
	if n > 0 {
		return true
	}
	if err == nil {
		return false
	}
	ne, ok := errors.AsType[net.Error](err)
	return !ok || !ne.Timeout()
}
