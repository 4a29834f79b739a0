package outbound

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// Setting is the operator setting that lets the server reach networks the
// guard blocks by default. Refusals name it, so that a user who points an
// integration or an executor at loopback learns what to change.
const Setting = "SUPERPLANE_ALLOWED_NETWORKS"

// blockedPrefix is a range the guard refuses by default, and what it is, in
// the plural ("loopback addresses").
type blockedPrefix struct {
	prefix netip.Prefix
	kind   string
}

// blockedPrefixes are the destinations no outbound call may reach unless
// Setting allows them: whoever can save an integration or a stage must not be
// able to make the server read cloud credentials from a metadata service or
// call services that trust the server's network position. Addresses inside
// an IPv6 form that leads to an IPv4 address (mapped, NAT64, 6to4, Teredo)
// are checked as that IPv4 address. More specific entries come first so that
// the refusal says what the address is.
var blockedPrefixes = []blockedPrefix{
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata service addresses"},
	{netip.MustParsePrefix("100.100.100.200/32"), "cloud metadata service addresses"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata service addresses"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast addresses"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback addresses"},
	{netip.MustParsePrefix("::1/128"), "loopback addresses"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified addresses"},
	{netip.MustParsePrefix("::/128"), "unspecified addresses"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private addresses"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private addresses"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private addresses"},
	{netip.MustParsePrefix("fc00::/7"), "private addresses"},
	{netip.MustParsePrefix("fec0::/10"), "private addresses"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT) addresses"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local addresses"},
	{netip.MustParsePrefix("fe80::/10"), "link-local addresses"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast addresses"},
	{netip.MustParsePrefix("ff00::/8"), "multicast addresses"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved addresses"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved addresses"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved addresses"},
	// IPv4-compatible addresses (::a.b.c.d) are deprecated; nothing
	// legitimate is reached through them.
	{netip.MustParsePrefix("::/96"), "IPv4-compatible IPv6 addresses"},
}

// IPv6 ranges whose addresses carry the IPv4 address a gateway connects to,
// so that 64:ff9b::a9fe:a9fe reaches 169.254.169.254.
var (
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
	nat64LocalUse = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	teredo        = netip.MustParsePrefix("2001::/32")
)

// leadsTo returns the IPv4 address that traffic to addr ends up at when addr
// is an IPv4-mapped, NAT64, 6to4 or Teredo address. For the local-use NAT64
// prefix the IPv4 address is taken from the last 32 bits, as a translator
// using a /96 out of it places it; for Teredo it is the client's address,
// stored inverted.
func leadsTo(addr netip.Addr) (netip.Addr, bool) {
	if addr.Is4In6() {
		return addr.Unmap(), true
	}
	if !addr.Is6() {
		return netip.Addr{}, false
	}
	b := addr.As16()
	switch {
	case nat64.Contains(addr), nat64LocalUse.Contains(addr):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	case teredo.Contains(addr):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// DeniedError is the error of a connection the guard refused. Its text names
// only the address, never a URL, header or body, so it cannot carry a token.
type DeniedError struct {
	// Addr is the address the connection was for.
	Addr netip.AddrPort
	// Target is the IPv4 address Addr leads to when Addr is an IPv6 form
	// of one (mapped, NAT64, 6to4, Teredo); else it is Addr's address.
	Target netip.Addr
	// Kind says what Target is, in the plural ("loopback addresses").
	Kind string
}

func (e *DeniedError) Error() string {
	via := ""
	if e.Target != e.Addr.Addr() {
		via = fmt.Sprintf(" (which leads to %s)", e.Target)
	}
	return fmt.Sprintf("connection to %s%s refused: %s are blocked (allow with %s)", e.Addr, via, e.Kind, Setting)
}

// Denied returns the guard's refusal inside err, if that is what err is.
func Denied(err error) (*DeniedError, bool) {
	var d *DeniedError
	ok := errors.As(err, &d)
	return d, ok
}

// guard refuses connections to blocked addresses outside allow.
type guard struct {
	allow []netip.Prefix
}

// check returns a *DeniedError when ap may not be reached. An address is
// allowed when it, or the IPv4 address it leads to, is in an allowed
// prefix; else it is refused when either is in a blocked range.
func (g guard) check(ap netip.AddrPort) error {
	addr := ap.Addr().WithZone("")
	candidates := []netip.Addr{addr}
	target := addr
	if v4, ok := leadsTo(addr); ok {
		target = v4
		candidates = []netip.Addr{v4, addr}
	}
	for _, a := range candidates {
		for _, p := range g.allow {
			if p.Contains(a) {
				return nil
			}
		}
	}
	for _, a := range candidates {
		for _, b := range blockedPrefixes {
			if b.prefix.Contains(a) {
				return &DeniedError{Addr: netip.AddrPortFrom(addr, ap.Port()), Target: target, Kind: b.kind}
			}
		}
	}
	return nil
}

// control is a net.Dialer Control function. It runs on the resolved address
// just before each connect, so neither a DNS name that resolves (or
// rebinds) to a blocked address nor a redirect to one gets past it.
func (g guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("connection to %q refused: not an IP address", address)
	}
	return g.check(ap)
}

// ParseAllowedNetworks parses the value of Setting: CIDR prefixes separated
// by commas or spaces. An empty value allows nothing.
func ParseAllowedNetworks(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, cidr := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix (like 127.0.0.0/8 or fd00::/8)", cidr)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
