// Package outbound is the one way the server makes HTTP requests on a user's
// behalf: integration verification, webhook provisioning, the reconciler and
// every executor. Its client refuses connections to loopback, private,
// link-local, metadata and other internal addresses (checked on the address
// actually dialled, so DNS rebinding cannot get past it) unless the operator
// allows them with SUPERPLANE_ALLOWED_NETWORKS, follows few redirects, and
// never carries credentials or custom headers to another host.
//
// It imports none of the project's packages, so that every package that
// calls out can use it.
package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// MaxRedirects is how many redirects a request follows.
const MaxRedirects = 5

// DefaultTimeout bounds a whole request (connect, redirects, reading the
// body) when Config.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// ErrTooManyRedirects stops a request after MaxRedirects redirects.
var ErrTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// Config configures a Client. The zero value is guarded with no exceptions.
type Config struct {
	// AllowedNetworks are destinations the client may reach although the
	// guard blocks them by default (the value of SUPERPLANE_ALLOWED_NETWORKS).
	AllowedNetworks []netip.Prefix
	// Timeout bounds a whole request; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Client makes guarded outbound requests. A nil *Client is the default
// client: guarded, nothing allowed, DefaultTimeout. It is safe for concurrent
// use.
type Client struct {
	hc *http.Client
}

// defaultClient is what a nil *Client uses.
var defaultClient = New(Config{})

// New returns a guarded client. It never uses a proxy, since the guard would
// then see the proxy's address instead of the destination's.
func New(cfg Config) *Client {
	g := guard{allow: append([]netip.Prefix(nil), cfg.AllowedNetworks...)}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// No cookie jar: cookies of one user's endpoint must not reach the next.
	return &Client{hc: &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: checkRedirect}}
}

// WithTimeout returns a client that shares c's connections and guard but
// bounds each request by d instead.
func (c *Client) WithTimeout(d time.Duration) *Client {
	hc := *c.client()
	if d > 0 {
		hc.Timeout = d
	}
	return &Client{hc: &hc}
}

// Do sends req through the guard.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	return c.client().Do(req)
}

// HTTPClient returns an *http.Client that goes through the guard, for
// libraries that take one (go-github). It is a copy: a caller may change its
// CheckRedirect (to follow no redirect at all) without affecting others, and
// the guard stays, since it is in the dialer.
func (c *Client) HTTPClient() *http.Client {
	hc := *c.client()
	return &hc
}

// HTTPClientFor returns an *http.Client like HTTPClient that adds header:
// value to its requests to the origin of base only. Libraries that add a
// token to every request in their transport (go-github's WithAuthToken)
// would add it after a redirect too, where the redirect check can no longer
// strip it; this one never sends it to a host a redirect leads to.
func (c *Client) HTTPClientFor(base *url.URL, header, value string) *http.Client {
	hc := c.HTTPClient()
	next := hc.Transport
	if next == nil {
		next = defaultClient.hc.Transport
	}
	hc.Transport = originCredential{next: next, origin: base, header: header, value: value}
	return hc
}

// originCredential adds a header to the requests to one origin.
type originCredential struct {
	next          http.RoundTripper
	origin        *url.URL
	header, value string
}

func (o originCredential) RoundTrip(req *http.Request) (*http.Response, error) {
	if !sameOrigin(req.URL, o.origin) {
		return o.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Header.Set(o.header, o.value)
	return o.next.RoundTrip(out)
}

func (c *Client) client() *http.Client {
	if c == nil || c.hc == nil {
		return defaultClient.hc
	}
	return c.hc
}

// keptAcrossHosts are the only headers a redirect to another host keeps:
// everything else (Authorization, Cookie, Proxy-Authorization, X-Api-Key,
// Circle-Token, whatever a user's executor set) may be a credential for the
// first host.
var keptAcrossHosts = map[string]bool{"Accept": true, "Content-Type": true, "User-Agent": true}

// checkRedirect bounds redirects and strips headers from a hop to another
// origin (scheme, host and port) than the first request's. The destination's
// address is checked by the dialer, like every connection's.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return ErrTooManyRedirects
	}
	if len(via) > 0 && !sameOrigin(req.URL, via[0].URL) {
		for k := range req.Header {
			if !keptAcrossHosts[http.CanonicalHeaderKey(k)] {
				delete(req.Header, k)
			}
		}
	}
	return nil
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (the default port of the scheme when none is given).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// IsTooManyRedirects reports whether err is a request stopped after
// MaxRedirects redirects.
func IsTooManyRedirects(err error) bool { return errors.Is(err, ErrTooManyRedirects) }
