package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

const (
	testToken  = "tok-3f9a1c-not-a-real-token"
	testUserID = "11111111-1111-1111-1111-111111111111"
	testOrgID  = "22222222-2222-2222-2222-222222222222"
	canvasID   = "33333333-3333-3333-3333-333333333333"
)

// seen is one request as the test server received it.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   map[string]any
}

// recorder is an http.Handler that records requests and answers with fn.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
	fn   func(w http.ResponseWriter, r *http.Request, n int) // n: 1-based count of requests on this path+method
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	n := 0
	for _, s := range rec.reqs {
		if s.Method == r.Method && s.Path == r.URL.Path {
			n++
		}
	}
	rec.mu.Unlock()
	rec.fn(w, r, n)
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

func (rec *recorder) count(method, path string) int {
	n := 0
	for _, s := range rec.requests() {
		if s.Method == method && s.Path == path {
			n++
		}
	}
	return n
}

// newTestClient starts fn behind a loopback server and returns a client for
// it whose backoff is short so tests stay fast.
func newTestClient(t *testing.T, fn func(w http.ResponseWriter, r *http.Request, n int)) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{fn: fn}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL + "/", Token: testToken, UserAgent: "terraform-provider-superplane/test", MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	c.backoffBase = time.Millisecond
	c.backoffCap = 5 * time.Millisecond
	return c, rec
}

// field walks nested JSON objects by key, failing the test when one is
// missing.
func field(t *testing.T, m map[string]any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("JSON has no object at %q: %v", k, m)
		}
		m = next
	}
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, api.Error{Code: code, Message: msg, Details: []any{}})
}

func meHandler(w http.ResponseWriter) {
	writeJSON(w, 200, api.Me{ID: testUserID, Email: "a@example.com", OrganizationID: testOrgID})
}

func canvasBody(name, desc, createdBy string, createdAt time.Time) api.CanvasResponse {
	return api.CanvasResponse{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{
		ID: canvasID, Name: name, Description: desc, CreatedBy: createdBy, CreatedAt: &createdAt,
	}}}
}

// dropConnection closes the connection without answering, as when a proxy
// or the network loses the response of a request the server did process.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	_ = conn.Close()
}

func TestNewValidatesEndpoint(t *testing.T) {
	for _, ep := range []string{"", "localhost:8080", "/api", "ftp://example.com", "http://", "https://user:pw@example.com"} {
		_, err := New(Config{Endpoint: ep})
		if err == nil {
			t.Errorf("New(%q): want error", ep)
			continue
		}
		if !strings.Contains(err.Error(), "endpoint") {
			t.Errorf("New(%q): error %q does not name the endpoint", ep, err)
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("New(%q): error %q leaks the URL password", ep, err)
		}
	}
	if _, err := New(Config{Endpoint: "https://superplane.example.com/prefix/"}); err != nil {
		t.Errorf("valid endpoint refused: %v", err)
	}
}

func TestHeadersAndPathPrefix(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { meHandler(w) }}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL + "/prefix/", Token: testToken, UserAgent: "terraform-provider-superplane/1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if me.OrganizationID != testOrgID {
		t.Errorf("organizationId = %q", me.OrganizationID)
	}
	r := rec.requests()[0]
	if r.Path != "/prefix/api/v1/me" {
		t.Errorf("path = %q, want /prefix/api/v1/me", r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("User-Agent"); got != "terraform-provider-superplane/1.2.3" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
}

func TestGetCanvasPathShapes(t *testing.T) {
	now := time.Now()
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "by-id"
		}
		writeJSON(w, 200, canvasBody(name, "", testUserID, now))
	})
	ctx := context.Background()

	if _, err := c.GetCanvas(ctx, canvasID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCanvas(ctx, "my canvas/1"); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if reqs[0].Path != "/api/v1/canvases/"+canvasID || reqs[0].RawQuery != "" {
		t.Errorf("by id: %s?%s", reqs[0].Path, reqs[0].RawQuery)
	}
	// A real v1 server needs a UUID in the path: the name goes in ?name=.
	if reqs[1].Path != "/api/v1/canvases/"+nilUUID || reqs[1].RawQuery != "name=my+canvas%2F1" {
		t.Errorf("by name: %s?%s", reqs[1].Path, reqs[1].RawQuery)
	}
}

func TestGetCanvasByNameRejectsOtherCanvas(t *testing.T) {
	// A server that ignores ?name= answers with the wrong canvas; the client
	// must not hand it out as the one asked for.
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, canvasBody("someone-else", "", testUserID, time.Now()))
	})
	_, err := c.GetCanvas(context.Background(), "mine")
	if !IsNotFound(err) {
		t.Fatalf("err = %v, want not found", err)
	}
}

func TestCanvasWriteShapes(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodDelete {
			writeJSON(w, 200, api.Empty{})
			return
		}
		writeJSON(w, 200, canvasBody("prod", "new", testUserID, time.Now()))
	})
	ctx := context.Background()
	if _, err := c.UpdateCanvas(ctx, "prod", "new"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCanvas(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if reqs[0].Method != http.MethodPatch || reqs[0].Path != "/api/v1/canvases/prod" {
		t.Errorf("update: %s %s", reqs[0].Method, reqs[0].Path)
	}
	md := field(t, reqs[0].Body, "canvas", "metadata")
	// The name goes along unchanged: a server may take an empty name for a
	// rename, which canvases refuse.
	if md["description"] != "new" || md["name"] != "prod" {
		t.Errorf("update body metadata = %v", md)
	}
	if reqs[1].Method != http.MethodDelete || reqs[1].Path != "/api/v1/canvases/prod" {
		t.Errorf("delete: %s %s", reqs[1].Method, reqs[1].Path)
	}
}

func secretBody(name string, keys []string, version int64, createdAt time.Time) api.SecretResponse {
	data := map[string]string{}
	for _, k := range keys {
		data[k] = api.RedactedValue
	}
	return api.SecretResponse{Secret: &api.Secret{
		Metadata: &api.SecretMetadata{ID: "44444444-4444-4444-4444-444444444444", Name: name, DomainType: api.DomainTypeOrganization,
			DomainID: testOrgID, CreatedAt: &createdAt, Version: version},
		Spec: &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: data}},
	}}
}

func TestOrganizationSecretFillsDomainIDFromMe(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Path {
		case "/api/v1/me":
			meHandler(w)
		case "/api/v1/secrets":
			if r.Method == http.MethodPost {
				writeJSON(w, 200, secretBody("db", []string{"password"}, 1, time.Now()))
				return
			}
			writeJSON(w, 200, api.ListSecretsResponse{Secrets: []api.Secret{}})
		case "/api/v1/canvases/" + nilUUID:
			writeJSON(w, 200, canvasBody("prod", "", testUserID, time.Now()))
		default:
			writeJSON(w, 200, secretBody("db", []string{"password"}, 1, time.Now()))
		}
	})
	ctx := context.Background()
	if _, err := c.ListSecrets(ctx, api.DomainTypeOrganization, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSecret(ctx, api.DomainTypeOrganization, "", "db", map[string]string{"password": "pw-value"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, api.DomainTypeOrganization, "", "db"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, api.DomainTypeCanvas, "prod", "db"); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/me"); n != 1 {
		t.Errorf("/me called %d times, want 1 (cached)", n)
	}
	var list, create, get, getCanvas seen
	for _, r := range rec.requests() {
		switch {
		case r.Method == http.MethodGet && r.Path == "/api/v1/secrets":
			list = r
		case r.Method == http.MethodPost:
			create = r
		case r.Path == "/api/v1/secrets/db" && strings.Contains(r.RawQuery, "ORGANIZATION"):
			get = r
		case r.Path == "/api/v1/secrets/db":
			getCanvas = r
		}
	}
	if list.RawQuery != "domainId="+testOrgID+"&domainType=DOMAIN_TYPE_ORGANIZATION" {
		t.Errorf("list query = %q", list.RawQuery)
	}
	if get.RawQuery != "domainId="+testOrgID+"&domainType=DOMAIN_TYPE_ORGANIZATION" {
		t.Errorf("get query = %q", get.RawQuery)
	}
	// A canvas name is resolved to the canvas id, which a real v1 server needs.
	if getCanvas.RawQuery != "domainId="+canvasID+"&domainType=DOMAIN_TYPE_CANVAS" {
		t.Errorf("canvas get query = %q", getCanvas.RawQuery)
	}
	if create.Body["domainType"] != api.DomainTypeOrganization || create.Body["domainId"] != testOrgID {
		t.Errorf("create domain = %v / %v", create.Body["domainType"], create.Body["domainId"])
	}
	spec := field(t, create.Body, "secret", "spec")
	if spec["provider"] != api.ProviderLocal {
		t.Errorf("create provider = %v", spec["provider"])
	}
	if got := field(t, spec, "local", "data")["password"]; got != "pw-value" {
		t.Errorf("create data password = %v", got)
	}
}

func TestOrganizationIDFetchIsRetriedAfterFailure(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.URL.Path == "/api/v1/me" {
			if fail.Load() {
				writeError(w, 401, api.CodeUnauthenticated, "invalid token")
				return
			}
			meHandler(w)
			return
		}
		writeJSON(w, 200, api.ListSecretsResponse{})
	})
	ctx := context.Background()
	if _, err := c.ListSecrets(ctx, api.DomainTypeOrganization, ""); !IsUnauthorized(err) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
	fail.Store(false)
	if _, err := c.ListSecrets(ctx, api.DomainTypeOrganization, ""); err != nil {
		t.Fatalf("second call: %v (a failed /me must not be cached)", err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/me"); n != 2 {
		t.Errorf("/me called %d times, want 2", n)
	}
}

func TestUpdateSecretSendsSpecOnlyWithData(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, secretBody("renamed", []string{"a"}, 1, time.Now()))
	})
	ctx := context.Background()
	if _, err := c.UpdateSecret(ctx, api.DomainTypeCanvas, canvasID, "old", "renamed", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSecret(ctx, api.DomainTypeCanvas, canvasID, "renamed", "renamed", map[string]string{"a": "v"}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	rename := reqs[0]
	if rename.Method != http.MethodPatch || rename.Path != "/api/v1/secrets/old" {
		t.Errorf("rename: %s %s", rename.Method, rename.Path)
	}
	sec := field(t, rename.Body, "secret")
	if sec["spec"] != nil {
		t.Errorf("a rename must not send spec (it would replace the values): %v", sec["spec"])
	}
	if field(t, sec, "metadata")["name"] != "renamed" {
		t.Errorf("rename metadata = %v", sec["metadata"])
	}
	if rename.Body["domainType"] != api.DomainTypeCanvas || rename.Body["domainId"] != canvasID {
		t.Errorf("rename domain = %v", rename.Body)
	}
	data := field(t, reqs[1].Body, "secret", "spec", "local", "data")
	if len(data) != 1 || data["a"] != "v" {
		t.Errorf("update data = %v", data)
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		status, code             int
		msg                      string
		notFound, conflict, auth bool
	}{
		{404, api.CodeNotFound, "secret not found", true, false, false},
		{400, api.CodeInvalidArgument, "secret not found", true, false, false},
		{400, api.CodeInvalidArgument, "canvas prod not found in organization", true, false, false},
		{400, api.CodeInvalidArgument, "name already used", false, true, false},
		{400, api.CodeInvalidArgument, "canvas already exists", false, true, false},
		{409, api.CodeAlreadyExists, "secret db already exists", false, true, false},
		{400, api.CodeInvalidArgument, "invalid UUID", false, false, false},
		{401, api.CodeUnauthenticated, "invalid token", false, false, true},
		{403, api.CodePermissionDenied, "forbidden", false, false, false},
	}
	for _, tc := range cases {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			writeError(w, tc.status, tc.code, tc.msg)
		})
		_, err := c.GetCanvas(context.Background(), canvasID)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%d %q: err %v is not an *APIError", tc.status, tc.msg, err)
		}
		if apiErr.StatusCode != tc.status || apiErr.Code != tc.code || apiErr.Message != tc.msg {
			t.Errorf("%d %q: got %+v", tc.status, tc.msg, apiErr)
		}
		if got := err.Error(); !strings.HasPrefix(got, "superplane API: ") || !strings.Contains(got, tc.msg) {
			t.Errorf("Error() = %q", got)
		}
		if IsNotFound(err) != tc.notFound || IsConflict(err) != tc.conflict || IsUnauthorized(err) != tc.auth {
			t.Errorf("%d %q: notFound=%v conflict=%v unauthorized=%v", tc.status, tc.msg, IsNotFound(err), IsConflict(err), IsUnauthorized(err))
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("error leaks the token: %q", err)
		}
	}
}

func TestErrorWithoutJSONBody(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(403)
		_, _ = io.WriteString(w, "<html>proxy says no "+r.Header.Get("Authorization")+"</html>")
	})
	_, err := c.ListCanvases(context.Background())
	if err == nil || err.Error() != "superplane API: 403: forbidden" {
		t.Fatalf("err = %v", err)
	}
}

func TestUnimplementedSaysServerLacksOperation(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeError(w, 501, api.CodeUnimplemented, "Not Implemented")
	})
	_, err := c.UpdateCanvas(context.Background(), "prod", "x")
	if !IsUnsupported(err) {
		t.Fatalf("err = %v, want unsupported", err)
	}
	if !strings.Contains(err.Error(), "does not support") || !strings.Contains(err.Error(), "update canvas") {
		t.Errorf("err = %q, want it to say the server does not support updating a canvas", err)
	}
}

func TestRetriesTransientStatusThenSucceeds(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			writeError(w, 503, api.CodeUnavailable, "starting")
		case 2:
			w.WriteHeader(502)
		default:
			writeJSON(w, 200, api.ListCanvasesResponse{Canvases: []api.Canvas{}})
		}
	})
	if _, err := c.ListCanvases(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases"); n != 3 {
		t.Errorf("attempts = %d, want 3", n)
	}
}

func TestRetriesStopAtMaxRetries(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeError(w, 429, api.CodeResourceExhaust, "slow down")
	})
	_, err := c.ListCanvases(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Fatalf("err = %v, want the last 429", err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases"); n != 4 {
		t.Errorf("attempts = %d, want 1 + MaxRetries(3)", n)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeError(w, 500, api.CodeInternal, "boom")
	})
	if _, err := c.ListCanvases(context.Background()); err == nil {
		t.Fatal("want error")
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases"); n != 1 {
		t.Errorf("attempts = %d, want 1: a 500 is not retried", n)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeError(w, 503, api.CodeUnavailable, "later")
			return
		}
		writeJSON(w, 200, api.ListCanvasesResponse{})
	})
	start := time.Now()
	if _, err := c.ListCanvases(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, want at least the 1s Retry-After", d)
	}
}

func TestRetriesRefusedConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: connections are refused
	var logged atomic.Int32
	c, err := New(Config{Endpoint: "http://" + addr, Token: testToken, MaxRetries: 2,
		Logf: func(context.Context, string, map[string]any) { logged.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	c.backoffBase, c.backoffCap = time.Millisecond, time.Millisecond
	_, err = c.Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v, want connection refused", err)
	}
	if logged.Load() != 2 {
		t.Errorf("retries logged = %d, want 2", logged.Load())
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error leaks the token")
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeError(w, 503, api.CodeUnavailable, "down")
	})
	c.backoffBase, c.backoffCap = time.Hour, time.Hour
	c.maxRetries = 100
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListCanvases(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v after the context ended", d)
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases"); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

// createServer answers a canvas create by processing it and losing the
// response (the first time), then 409 with the canvas now taken; GET by name
// returns the canvas created by createdBy at createdAt.
func createServer(t *testing.T, createdBy string, createdAt time.Time, desc string) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.URL.Path == "/api/v1/me":
			meHandler(w)
		case r.Method == http.MethodPost && n == 1:
			dropConnection(t, w)
		case r.Method == http.MethodPost:
			writeError(w, 409, api.CodeAlreadyExists, "canvas prod already exists")
		case r.Method == http.MethodGet:
			writeJSON(w, 200, canvasBody("prod", desc, createdBy, createdAt))
		}
	}
}

func TestRetriedCreateAcceptsItsOwnCanvas(t *testing.T) {
	c, rec := newTestClient(t, createServer(t, testUserID, time.Now(), "the description"))
	cv, err := c.CreateCanvas(context.Background(), "prod", "the description")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if cv.Metadata.ID != canvasID {
		t.Errorf("id = %q", cv.Metadata.ID)
	}
	if n := rec.count(http.MethodPost, "/api/v1/canvases"); n != 2 {
		t.Errorf("POSTs = %d, want 2", n)
	}
}

func TestRetriedCreateRefusesForeignCanvas(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"other creator":     createServer(t, "someone-else", time.Now(), "the description"),
		"older":             createServer(t, testUserID, time.Now().Add(-time.Hour), "the description"),
		"other description": createServer(t, testUserID, time.Now(), "another"),
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, fn)
			_, err := c.CreateCanvas(context.Background(), "prod", "the description")
			if !IsConflict(err) {
				t.Fatalf("err = %v, want conflict", err)
			}
		})
	}
}

func TestFirstCreateConflictIsNotRecovered(t *testing.T) {
	// Without an earlier attempt, a 409 is someone else's canvas even when
	// it looks like ours.
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.Method {
		case http.MethodPost:
			writeError(w, 409, api.CodeAlreadyExists, "canvas prod already exists")
		default:
			writeJSON(w, 200, canvasBody("prod", "d", testUserID, time.Now()))
		}
	})
	if _, err := c.CreateCanvas(context.Background(), "prod", "d"); !IsConflict(err) {
		t.Fatalf("err = %v, want conflict", err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases/"+nilUUID); n != 0 {
		t.Errorf("looked the canvas up %d times", n)
	}
}

func TestRetriedSecretCreate(t *testing.T) {
	handler := func(keys []string, version int64, createdAt time.Time) func(w http.ResponseWriter, r *http.Request, n int) {
		return func(w http.ResponseWriter, r *http.Request, n int) {
			switch {
			case r.URL.Path == "/api/v1/me":
				meHandler(w)
			case r.Method == http.MethodPost && n == 1:
				dropConnection(t, w)
			case r.Method == http.MethodPost:
				// A real v1 server says so with a 400.
				writeError(w, 400, api.CodeInvalidArgument, "name already used")
			default:
				writeJSON(w, 200, secretBody("db", keys, version, createdAt))
			}
		}
	}
	data := map[string]string{"user": "u-value", "password": "p-value"}
	t.Run("own", func(t *testing.T) {
		c, _ := newTestClient(t, handler([]string{"password", "user"}, 1, time.Now()))
		s, err := c.CreateSecret(context.Background(), api.DomainTypeOrganization, "", "db", data)
		if err != nil {
			t.Fatal(err)
		}
		if s.Metadata.Name != "db" {
			t.Errorf("name = %q", s.Metadata.Name)
		}
	})
	foreign := map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"other keys": handler([]string{"password"}, 1, time.Now()),
		"updated":    handler([]string{"password", "user"}, 2, time.Now()),
		"older":      handler([]string{"password", "user"}, 1, time.Now().Add(-time.Hour)),
	}
	for name, fn := range foreign {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, fn)
			_, err := c.CreateSecret(context.Background(), api.DomainTypeOrganization, "", "db", data)
			if !IsConflict(err) {
				t.Fatalf("err = %v, want conflict", err)
			}
			for _, v := range data {
				if strings.Contains(err.Error(), v) {
					t.Errorf("error leaks a secret value: %q", err)
				}
			}
		})
	}
}

func TestSecretDomainValidation(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { meHandler(w) })
	ctx := context.Background()
	if _, err := c.GetSecret(ctx, api.DomainTypeCanvas, "", "db"); err == nil {
		t.Error("canvas secret without a canvas: want error")
	}
	if _, err := c.GetSecret(ctx, "DOMAIN_TYPE_UNSPECIFIED", "x", "db"); err == nil {
		t.Error("unknown domain type: want error")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}
