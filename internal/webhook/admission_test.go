package webhook_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// Limits of the admission tests: a share (a quarter of the budget) holds
// exactly admissionShare/admissionBody bodies at the limit.
const (
	admissionBody     = 1000
	admissionInflight = 40000
	admissionShare    = admissionInflight / 4
)

// admissionSources are custom sources of two organizations, two of them
// organization A's.
func admissionSources() *memSources {
	keys := [][]byte{currentKey}
	return &memSources{sources: map[string]webhook.Source{
		"a-1": {ID: "a-1", Type: "webhook", Keys: keys, Tenant: "org-a"},
		"a-2": {ID: "a-2", Type: "webhook", Keys: keys, Tenant: "org-a"},
		"b-1": {ID: "b-1", Type: "webhook", Keys: keys, Tenant: "org-b"},
	}}
}

func newAdmissionHandler(sink webhook.Sink, o *observed) (*webhook.Handler, *http.ServeMux) {
	cfg := webhook.Config{MaxBodyBytes: admissionBody, MaxInflightBytes: admissionInflight, Logger: slog.New(slog.DiscardHandler)}
	if o != nil {
		cfg.Observe = o.observe
	}
	h := webhook.NewHandler(admissionSources(), sink, cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/sources/{id}", h.ServeCustom)
	mux.HandleFunc("/api/v1/sources/{id}/{integrationType}", h.ServeIntegration)
	return h, mux
}

// paddedBody is a JSON object of exactly n bytes.
func paddedBody(n int) string {
	return `{"pad":"` + strings.Repeat("x", n-len(`{"pad":""}`)) + `"}`
}

// slowSender is a delivery whose body is sent in part, the rest held back
// as a slow sender, or an attacker, would.
type slowSender struct {
	conn net.Conn
	rest string // the body not sent yet (chunked: already framed)
}

// startSlow sends the headers and the first half of body to path over a
// connection of its own. Without a length, the body goes chunked.
func startSlow(t *testing.T, addr, path, body string, withLength bool) *slowSender {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	half := len(body) / 2
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\nX-Signature-256: %s\r\n",
		path, webhook.Sign(currentKey, []byte(body)))
	s := &slowSender{conn: conn}
	if withLength {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body[:half])
		s.rest = body[half:]
	} else {
		head += fmt.Sprintf("Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", half, body[:half])
		s.rest = fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body)-half, body[half:])
	}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return s
}

// finish sends the rest of the body and returns the answer's status.
func (s *slowSender) finish(t *testing.T) int {
	t.Helper()
	if _, err := io.WriteString(s.conn, s.rest); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(s.conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// waitInFlight polls until h holds exactly bytes in tenants' shares, for at
// most five seconds: the slow senders' requests reach the handler on their
// own goroutines.
func waitInFlight(t *testing.T, h *webhook.Handler, bytes int64, tenants int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		gotBytes, gotTenants := webhook.InFlight(h)
		if gotBytes == bytes && gotTenants == tenants {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("in flight: %d bytes in %d tenants' shares, want %d in %d", gotBytes, gotTenants, bytes, tenants)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// postSigned posts a signed delivery of body to path and returns the answer.
func postSigned(t *testing.T, client *http.Client, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-256", webhook.Sign(currentKey, []byte(body)))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// TestAdmissionFloodLeavesRoomForOthers: slow bodies at organization A's
// receivers fill A's share of the in-flight budget, and made-up source ids
// fill the one share they all draw on; the next delivery to A, or to a
// made-up id, is answered 503 with Retry-After at once, while organization
// B's deliveries still answer 200. Once the slow senders finish or go away
// mid-body, the budget is whole again and A is served.
func TestAdmissionFloodLeavesRoomForOthers(t *testing.T) {
	o := &observed{}
	sink := newMemSink()
	h, mux := newAdmissionHandler(sink, o)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	client.Timeout = 10 * time.Second
	addr := srv.Listener.Addr().String()

	// Organization A floods through two of its sources: the share is the
	// organization's, not each source's.
	full := paddedBody(admissionBody)
	var flood []*slowSender
	for i := range admissionShare / admissionBody {
		flood = append(flood, startSlow(t, addr, fmt.Sprintf("/api/v1/sources/a-%d", 1+i%2), full, true))
	}
	waitInFlight(t, h, admissionShare, 1)
	// Made-up ids, sent chunked: each reserves the body limit, all from
	// the share of sources not known before the body is read.
	var sprayed []*slowSender
	for i := range admissionShare / admissionBody {
		sprayed = append(sprayed, startSlow(t, addr, fmt.Sprintf("/api/v1/sources/made-up-%d", i), `{}`+strings.Repeat(" ", 98), false))
	}
	waitInFlight(t, h, 2*admissionShare, 2)

	for _, path := range []string{"/api/v1/sources/a-2", "/api/v1/sources/made-up-x"} {
		resp := postSigned(t, client, srv.URL+path, objectBody)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
			t.Errorf("%s while its share is full: %d, Retry-After %q; want 503 and 5", path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	for i := range 3 {
		if resp := postSigned(t, client, srv.URL+"/api/v1/sources/b-1", objectBody); resp.StatusCode != http.StatusOK {
			t.Fatalf("organization B's delivery %d during the flood: %d, want 200", i, resp.StatusCode)
		}
	}
	if got := o.take(); slices.Compare(got, []string{"webhook overloaded", "webhook overloaded", "webhook accepted", "webhook accepted", "webhook accepted"}) != 0 {
		t.Errorf("observed %q, want two overloaded and three accepted", got)
	}

	// Half of each flood finishes its body, the other half hangs up in
	// the middle of it.
	for i, s := range flood {
		if i%2 == 0 {
			if code := s.finish(t); code != http.StatusOK {
				t.Errorf("slow delivery %d to A: %d, want 200", i, code)
			}
		} else {
			_ = s.conn.Close()
		}
	}
	for i, s := range sprayed {
		if i%2 == 0 {
			if code := s.finish(t); code != http.StatusUnauthorized {
				t.Errorf("slow delivery %d to a made-up id: %d, want 401", i, code)
			}
		} else {
			_ = s.conn.Close()
		}
	}
	waitInFlight(t, h, 0, 0)
	if resp := postSigned(t, client, srv.URL+"/api/v1/sources/a-1", full); resp.StatusCode != http.StatusOK {
		t.Errorf("A after the flood: %d, want 200", resp.StatusCode)
	}
	if n := sink.count(); n != 3+len(flood)/2+1 {
		t.Errorf("%d deliveries stored, want %d", n, 3+len(flood)/2+1)
	}
}

// failingBody fails after its first bytes, as a connection that breaks
// does.
type failingBody struct{ sent bool }

func (b *failingBody) Read(p []byte) (int, error) {
	if b.sent {
		return 0, errors.New("connection reset by peer")
	}
	b.sent = true
	return copy(p, `{"a":`), nil
}

func (*failingBody) Close() error { return nil }

// TestAdmissionReleasedOnEveryPath: whatever the answer, a delivery gives
// back all it reserved, and a share still takes a full load afterwards.
func TestAdmissionReleasedOnEveryPath(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(objectBody))
	tooBig := paddedBody(admissionBody + 1)
	for _, tc := range []struct {
		name string
		sink func(*memSink)
		p    post
		req  func() *http.Request // instead of p
		want int
	}{
		{name: "accepted", p: custom(objectBody, good).at("/api/v1/sources/a-1"), want: 200},
		{name: "declared length over the limit", p: custom(tooBig, good).at("/api/v1/sources/a-1"), want: 413},
		{name: "chunked over the limit", p: post{path: "/api/v1/sources/a-1", body: tooBig, unknownLength: true,
			header: map[string]string{"Content-Type": "application/json", "X-Signature-256": good}}, want: 413},
		{name: "bad signature", p: custom(objectBody, webhook.Sign(strangerKey, []byte(objectBody))).at("/api/v1/sources/a-1"), want: 401},
		{name: "unknown source", p: custom(objectBody, good).at("/api/v1/sources/nope"), want: 401},
		{name: "no signature", p: post{path: "/api/v1/sources/a-1", body: objectBody}, want: 401},
		{name: "not JSON", p: custom("nope", webhook.Sign(currentKey, []byte("nope"))).at("/api/v1/sources/a-1"), want: 400},
		{name: "sink down", sink: func(s *memSink) { s.err = errors.New("database is locked") }, p: custom(objectBody, good).at("/api/v1/sources/a-1"), want: 503},
		{name: "sink panics", sink: func(s *memSink) { s.panics = true }, p: custom(objectBody, good).at("/api/v1/sources/a-1"), want: 500},
		{name: "body breaks off", req: func() *http.Request {
			r := custom(objectBody, good).at("/api/v1/sources/a-1").request()
			r.Body = &failingBody{}
			return r
		}, want: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := newMemSink()
			if tc.sink != nil {
				tc.sink(sink)
			}
			h, mux := newAdmissionHandler(sink, nil)
			var req *http.Request
			if tc.req != nil {
				req = tc.req()
			} else {
				req = tc.p.request()
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.want, rec.Body)
			}
			if bytes, tenants := webhook.InFlight(h); bytes != 0 || tenants != 0 {
				t.Fatalf("after a %d: %d bytes still reserved in %d tenants' shares", rec.Code, bytes, tenants)
			}
		})
	}
}

// TestAdmissionShareNeverBelowOneBody: a budget too small to quarter still
// receives one delivery at the limit.
func TestAdmissionShareNeverBelowOneBody(t *testing.T) {
	body := paddedBody(admissionBody)
	mux := newMux(admissionSources(), newMemSink(), webhook.Config{MaxBodyBytes: admissionBody, MaxInflightBytes: admissionBody})
	if rec := do(mux, custom(body, webhook.Sign(currentKey, []byte(body))).at("/api/v1/sources/a-1")); rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
	}
}
