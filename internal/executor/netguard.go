package executor

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// maxRedirects is how many redirects an http executor request follows.
const maxRedirects = 5

// deniedPrefix is a range the guard refuses by default, and why.
type deniedPrefix struct {
	prefix netip.Prefix
	why    string
}

// deniedPrefixes are the destinations a stage's HTTP request must not reach
// unless Config.AllowNetworks allows them: whoever can save a stage must not
// be able to make the server read cloud credentials from a metadata service
// or call services that trust the server's own host. The metadata addresses
// are listed before the ranges that contain them so that the refusal says
// what they are.
var deniedPrefixes = []deniedPrefix{
	{netip.MustParsePrefix("169.254.169.254/32"), "a cloud metadata service address"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "a cloud metadata service address"},
	{netip.MustParsePrefix("100.100.100.200/32"), "a cloud metadata service address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address"},
	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// DeniedError is the error of a connection the guard refused.
type DeniedError struct {
	Addr netip.Addr
	// Why says what kind of address it is ("a link-local address").
	Why string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("destination %s is not allowed: it is %s", e.Addr, e.Why)
}

// guard refuses connections to denied addresses outside allow.
type guard struct {
	allow []netip.Prefix
}

// check returns a *DeniedError when addr may not be reached.
func (g guard) check(addr netip.Addr) error {
	addr = addr.WithZone("")
	candidates := []netip.Addr{addr}
	if addr.Is4In6() {
		candidates = append(candidates, addr.Unmap())
	}
	if v4, ok := embeddedIPv4(addr); ok {
		candidates = append(candidates, v4)
	}
	for _, a := range candidates {
		for _, p := range g.allow {
			if p.Contains(a) {
				return nil
			}
		}
	}
	for _, a := range candidates {
		for _, d := range deniedPrefixes {
			if d.prefix.Contains(a) {
				return &DeniedError{Addr: addr, Why: d.why}
			}
		}
	}
	return nil
}

// nat64, sixToFour are IPv6 ranges that carry an IPv4 address a gateway
// connects to, so 64:ff9b::a9fe:a9fe reaches 169.254.169.254.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address a NAT64 or 6to4 address leads to.
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	if !addr.Is6() || addr.Is4In6() {
		return netip.Addr{}, false
	}
	b := addr.As16()
	switch {
	case nat64.Contains(addr):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// control is a net.Dialer Control function. It runs on the resolved
// address just before each connect, so neither a DNS name that resolves to
// a denied address nor a redirect to one gets past it.
func (g guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("destination %q is not allowed: not an IP address", address)
	}
	return g.check(ap.Addr())
}

// guardedClient returns a client with base's transport settings whose
// connections go through the guard. It never uses a proxy, since the guard
// would then see the proxy's address instead of the destination; and it
// follows at most maxRedirects redirects.
func guardedClient(base *http.Client, allow []netip.Prefix) *http.Client {
	var tr *http.Transport
	if base != nil {
		if t, ok := base.Transport.(*http.Transport); ok {
			tr = t.Clone()
		}
	}
	if tr == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			tr = dt.Clone()
		} else {
			tr = &http.Transport{}
		}
	}
	g := guard{allow: append([]netip.Prefix(nil), allow...)}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	tr.Proxy = nil
	tr.DialContext = dialer.DialContext
	tr.DialTLSContext = nil
	tr.Dial = nil    //nolint:staticcheck // cleared so that it cannot bypass DialContext
	tr.DialTLS = nil //nolint:staticcheck // idem
	// Only the transport is taken from base: its Timeout would override
	// the spec's timeoutSeconds, and a cookie jar would carry cookies from
	// one stage's endpoint to the next.
	return &http.Client{Transport: tr, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return errTooManyRedirects
		}
		return nil
	}}
}

// errTooManyRedirects stops a request after maxRedirects redirects.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)

// deniedError returns the guard's refusal inside err, if that is what err is.
func deniedError(err error) (*DeniedError, bool) {
	var d *DeniedError
	ok := errors.As(err, &d)
	return d, ok
}
