package outbound

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the connections it accepts, so that a test can
// prove that a refused request never connected.
type countingListener struct {
	net.Listener
	accepts atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepts.Add(1)
	}
	return c, err
}

// endpoint is an HTTP server on addr (like "127.0.0.1:0") that records the
// headers of the requests it gets.
type endpoint struct {
	ln      *countingListener
	url     string
	mu      sync.Mutex
	headers []http.Header
}

func newEndpoint(t *testing.T, addr string, handle http.HandlerFunc) *endpoint {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	e := &endpoint{ln: &countingListener{Listener: ln}, url: "http://" + ln.Addr().String()}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.headers = append(e.headers, r.Header.Clone())
		e.mu.Unlock()
		if handle != nil {
			handle(w, r)
		}
	})}
	go func() { _ = srv.Serve(e.ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return e
}

func (e *endpoint) got() []http.Header {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]http.Header(nil), e.headers...)
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// credentialHeaders are what a request carries for its first host only.
var credentialHeaders = map[string]string{
	"Authorization":       "Bearer s3cr3t-token",
	"Cookie":              "session=s3cr3t",
	"Proxy-Authorization": "Basic s3cr3t",
	"X-Api-Key":           "s3cr3t-key",
	"Circle-Token":        "s3cr3t-circle",
	"X-Semaphore-Token":   "s3cr3t-sem",
	"X-Custom":            "whatever the executor set",
}

func get(t *testing.T, c *Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range credentialHeaders {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SuperPlane")
	resp, err := c.Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	return resp, err
}

func TestRedirectToAnotherHostDropsCredentialsAndCustomHeaders(t *testing.T) {
	other := newEndpoint(t, "127.0.0.1:0", nil)
	first := newEndpoint(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.url+"/landing", http.StatusTemporaryRedirect)
	})
	c := New(Config{AllowedNetworks: loopback})
	if _, err := get(t, c, first.url+"/start"); err != nil {
		t.Fatal(err)
	}
	if h := first.got(); len(h) != 1 || h[0].Get("Authorization") != credentialHeaders["Authorization"] {
		t.Fatalf("the first host got %v, want the request with its credentials", h)
	}
	got := other.got()
	if len(got) != 1 {
		t.Fatalf("the other host got %d requests, want 1", len(got))
	}
	for k := range credentialHeaders {
		if v := got[0].Get(k); v != "" {
			t.Errorf("the other host got %s: %q; a redirect to another host must not carry it", k, v)
		}
	}
	for _, k := range []string{"Accept", "Content-Type", "User-Agent"} {
		if got[0].Get(k) == "" {
			t.Errorf("the other host did not get %s, which is not a credential", k)
		}
	}
}

func TestRedirectOnTheSameHostKeepsHeaders(t *testing.T) {
	e := newEndpoint(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/end", http.StatusFound)
		}
	})
	if _, err := get(t, New(Config{AllowedNetworks: loopback}), e.url+"/start"); err != nil {
		t.Fatal(err)
	}
	got := e.got()
	if len(got) != 2 || got[1].Get("Authorization") != credentialHeaders["Authorization"] || got[1].Get("X-Api-Key") == "" {
		t.Errorf("requests = %v, want the second with the same headers", got)
	}
}

func TestRedirectToABlockedAddressIsRefused(t *testing.T) {
	// 127.0.0.2 is loopback too, but outside what this client allows.
	blocked := newEndpoint(t, "127.0.0.2:0", nil)
	first := newEndpoint(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, blocked.url+"/", http.StatusTemporaryRedirect)
	})
	c := New(Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	_, err := get(t, c, first.url)
	d, ok := Denied(err)
	if !ok || d.Kind != "loopback addresses" || !strings.Contains(err.Error(), Setting) {
		t.Fatalf("err = %v, want the guard's refusal naming %s", err, Setting)
	}
	if n := blocked.ln.accepts.Load(); n != 0 {
		t.Errorf("the blocked address accepted %d connections, want none", n)
	}
	for k, v := range credentialHeaders {
		if strings.Contains(err.Error(), v) {
			t.Errorf("the error %q contains the %s header's value", err, k)
		}
	}
}

func TestRedirectsAreBounded(t *testing.T) {
	var hits atomic.Int32
	e := newEndpoint(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/again", http.StatusFound)
	})
	_, err := get(t, New(Config{AllowedNetworks: loopback}), e.url)
	if !IsTooManyRedirects(err) {
		t.Errorf("err = %v, want %v", err, ErrTooManyRedirects)
	}
	if n := hits.Load(); n != MaxRedirects+1 {
		t.Errorf("endpoint got %d requests, want %d (the first and %d redirects)", n, MaxRedirects+1, MaxRedirects)
	}
}

// TestUnconfiguredClientIsGuarded checks that nothing can leave the guard
// off by accident: a nil *Client and a zero Config both refuse loopback,
// also through a host name, without connecting.
func TestUnconfiguredClientIsGuarded(t *testing.T) {
	e := newEndpoint(t, "127.0.0.1:0", nil)
	port := e.ln.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // a TCP listener's address
	for name, c := range map[string]*Client{"nil": nil, "zero config": New(Config{}), "with timeout": New(Config{}).WithTimeout(time.Minute)} {
		for _, url := range []string{e.url, "http://localhost:" + strconv.Itoa(port)} {
			_, err := get(t, c, url)
			if d, ok := Denied(err); !ok || d.Kind != "loopback addresses" {
				t.Errorf("%s client, %s: err = %v, want the guard's refusal", name, url, err)
			}
		}
		if hc := c.HTTPClient(); hc.Timeout <= 0 || hc.Jar != nil {
			t.Errorf("%s client: timeout %s, jar %v; want a timeout and no cookie jar", name, hc.Timeout, hc.Jar)
		}
	}
	if n := e.ln.accepts.Load(); n != 0 {
		t.Errorf("the endpoint accepted %d connections, want none", n)
	}
}

// TestHTTPClientForSendsTheCredentialToItsOriginOnly checks the client for
// libraries that add a token in their transport: the token reaches the
// origin it is for, and not the host that origin redirects to.
func TestHTTPClientForSendsTheCredentialToItsOriginOnly(t *testing.T) {
	other := newEndpoint(t, "127.0.0.1:0", nil)
	first := newEndpoint(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.url+"/x", http.StatusFound)
	})
	base, err := url.Parse(first.url + "/api/")
	if err != nil {
		t.Fatal(err)
	}
	hc := New(Config{AllowedNetworks: loopback}).HTTPClientFor(base, "Authorization", "Bearer s3cr3t")
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, first.url+"/api/user", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if h := first.got(); len(h) != 1 || h[0].Get("Authorization") != "Bearer s3cr3t" {
		t.Errorf("the API's origin got %v, want the credential", h)
	}
	if h := other.got(); len(h) != 1 || h[0].Get("Authorization") != "" {
		t.Errorf("the other host got %v, want one request without the credential", h)
	}
}
