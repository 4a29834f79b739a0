// Package connlimit bounds the connections a listener's clients hold open:
// a cap per client address and a cap in all. It wraps the net.Listener an
// http.Server serves, so a connection is counted from the moment the kernel
// hands it over established (half-open handshakes never reach Accept) until
// it is closed, on whatever path: answered, timed out, shut down, or
// hijacked and closed by the handler that took it.
//
// The caps are what keeps a slowloris client (thousands of connections each
// trickling a header or a body) from holding a goroutine and a socket each:
// the server's timeouts bound how long one connection lives, these bound how
// many live at once.
package connlimit

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Defaults of the API listener's caps (superplane-server serve flags).
//
// DefaultPerClient: the most a well-behaved client at one address needs at
// once is far below it: Terraform's default -parallelism of 10 opens at most
// one connection per call in flight, a browser 6 per host, the CLI one or
// two, a tool's burst of webhook deliveries a few dozen; an office behind
// one NAT address has room for several of each. A slowloris client at one
// address holds at most 64 goroutines.
//
// DefaultTotal: at about 20-30 KiB per idle connection (a goroutine's stack,
// net/http's 4 KiB read and write buffers, the socket), 4096 connections
// hold about 100 MiB, under half the default body budget, and 4096 file
// descriptors are within the hard limit of any current Linux default
// (systemd 524288, Docker 1048576; Go raises the soft limit to it). Filling
// it takes 64 addresses at the per-client cap.
const (
	DefaultPerClient = 64
	DefaultTotal     = 4096
)

// RetryAfterSeconds is the Retry-After of a refused connection: the same as
// the body budget's refusals, long enough for a client's other connections
// to finish.
const RetryAfterSeconds = 5

// Refusals are answered politely (a 503 with Retry-After, which the
// project's client and most webhook senders retry) by at most
// maxPoliteRefusals goroutines at once, each for at most refuseTime; beyond
// that a refused connection is closed at once, so that a flood of refused
// connections costs the server no more than a few dozen goroutines.
const (
	maxPoliteRefusals = 32
	refuseTime        = time.Second
	// drainLimit bounds what a polite refusal reads of the request it
	// refuses (so that closing does not reset the connection under the
	// answer).
	drainLimit = 64 << 10
	// logEvery bounds the refusals' log lines: one a minute at most.
	logEvery = time.Minute
)

// Config sets a Listener's caps.
type Config struct {
	// PerClient is the connections one client address may hold open; 0
	// is no cap. IPv6 addresses count by their /64, what one host is
	// usually given.
	PerClient int
	// Total is the connections all counted clients may hold open together;
	// 0 is no cap.
	Total int
	// TrustedProxies are addresses that carry many clients' connections
	// (a reverse proxy, a load balancer): they are not held to PerClient,
	// only to Total. The proxy limits each of its clients.
	TrustedProxies []netip.Prefix
	// Log receives a line when connections are refused (at most one a
	// minute); nil logs nothing.
	Log *slog.Logger
	// Name names the listener in log lines ("api", "metrics").
	Name string
}

// Listener is a net.Listener whose Accept refuses connections over the caps
// of its Config. Connections from a loopback address are neither counted
// nor refused: they come from this host (the CLI, a local proxy, tests),
// which can exhaust the server without any connection anyway, and the
// operator must still reach the server while a flood holds the caps.
type Listener struct {
	net.Listener
	cfg Config

	mu        sync.Mutex
	open      int                  // counted connections open
	perClient map[netip.Prefix]int // an address holding none has no entry

	polite  chan struct{} // a slot per polite refusal in progress
	refused atomic.Int64  // since the last log line
	lastLog atomic.Int64  // unix nanoseconds of the last log line
}

// New wraps ln with the caps of cfg.
func New(ln net.Listener, cfg Config) *Listener {
	return &Listener{Listener: ln, cfg: cfg, perClient: map[netip.Prefix]int{}, polite: make(chan struct{}, maxPoliteRefusals)}
}

// Accept returns the next connection within the caps; those over them are
// refused here and never reach the caller.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, counted, perClient := l.classify(c.RemoteAddr())
		if !counted {
			return c, nil
		}
		if why := l.take(key, perClient); why != "" {
			l.refuse(c, why)
			continue
		}
		return &conn{Conn: c, l: l, key: key, perClient: perClient}, nil
	}
}

// Open returns the counted connections open in all and those of addr's
// client, for tests and operators.
func (l *Listener) Open(addr netip.Addr) (total, client int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open, l.perClient[clientOf(addr)]
}

// classify returns the key a connection from a counts under, whether it
// is counted at all (loopback is not) and whether the per-client cap
// applies (a trusted proxy's is not).
func (l *Listener) classify(a net.Addr) (key netip.Prefix, counted, perClient bool) {
	addr, ok := addrOf(a)
	if !ok {
		// Not an IP connection (a Unix socket): only the local host can
		// open one.
		return netip.Prefix{}, false, false
	}
	if addr.IsLoopback() {
		return netip.Prefix{}, false, false
	}
	for _, p := range l.cfg.TrustedProxies {
		if p.Contains(addr) {
			return clientOf(addr), true, false
		}
	}
	return clientOf(addr), true, true
}

// addrOf is a's IP address, IPv4-mapped IPv6 unmapped.
func addrOf(a net.Addr) (netip.Addr, bool) {
	switch a := a.(type) {
	case *net.TCPAddr:
		addr := a.AddrPort().Addr()
		return addr.Unmap(), addr.IsValid()
	case nil:
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// clientOf is the key addr counts under: the address itself for IPv4, its
// /64 for IPv6 (a host given a /64 could otherwise take a new address per
// connection).
func clientOf(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// take counts a connection of key's client if the caps have room, and
// otherwise returns why not.
func (l *Listener) take(key netip.Prefix, perClient bool) (refusal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.Total > 0 && l.open >= l.cfg.Total {
		return "the server has too many open connections"
	}
	if perClient && l.cfg.PerClient > 0 && l.perClient[key] >= l.cfg.PerClient {
		return "too many open connections from your address"
	}
	l.open++
	if perClient {
		l.perClient[key]++
	}
	return ""
}

// release gives back what take counted.
func (l *Listener) release(key netip.Prefix, perClient bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if !perClient {
		return
	}
	if n := l.perClient[key] - 1; n > 0 {
		l.perClient[key] = n
	} else {
		delete(l.perClient, key)
	}
}

// refuse turns c away: with a 503 when a polite slot is free, otherwise by
// closing it at once.
func (l *Listener) refuse(c net.Conn, why string) {
	l.logRefusal(c.RemoteAddr())
	select {
	case l.polite <- struct{}{}:
		go func() {
			defer func() { <-l.polite }()
			answerRefused(c, why)
		}()
	default:
		_ = c.Close()
	}
}

// answerRefused writes a 503 with Retry-After, in the API's error shape,
// once the request has begun to arrive (an answer sent before the request
// could be taken by the client for an unsolicited one on an idle
// connection), then closes c the way net/http does: its write side first,
// then, after reading what the client still sends (bounded), the whole
// connection, so that the close does not reset the connection under the
// answer. The whole exchange takes at most refuseTime. The listener serves
// plain HTTP/1.x: the answer would mean nothing to a TLS client.
func answerRefused(c net.Conn, why string) {
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(refuseTime))
	buf := make([]byte, 4<<10)
	if _, err := c.Read(buf); err != nil {
		return
	}
	if _, err := c.Write(refusal(why)); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	for read := 0; read < drainLimit; {
		n, err := c.Read(buf)
		read += n
		if err != nil {
			return
		}
	}
}

// refusals caches the two answers, built once.
var refusals sync.Map // why -> []byte

// refusal is the whole HTTP answer to a refused connection.
func refusal(why string) []byte {
	if b, ok := refusals.Load(why); ok {
		if b, ok := b.([]byte); ok {
			return b
		}
	}
	body, _ := json.Marshal(api.Error{Code: api.CodeUnavailable, Message: why + "; try again later", Details: []any{}})
	b := fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: %d\r\nConnection: close\r\nContent-Length: %s\r\n\r\n%s",
		RetryAfterSeconds, strconv.Itoa(len(body)), body)
	refusals.Store(why, b)
	return b
}

// logRefusal counts a refusal and logs the count at most once a minute, so
// that a flood of refused connections is seen without flooding the log.
func (l *Listener) logRefusal(from net.Addr) {
	n := l.refused.Add(1)
	if l.cfg.Log == nil {
		return
	}
	now := time.Now().UnixNano()
	last := l.lastLog.Load()
	if last != 0 && now-last < int64(logEvery) || !l.lastLog.CompareAndSwap(last, now) {
		return
	}
	l.refused.Add(-n)
	l.mu.Lock()
	open := l.open
	l.mu.Unlock()
	l.cfg.Log.Warn("refused connections over the connection caps",
		slog.String("listener", l.cfg.Name), slog.Int64("refused", n), slog.String("last_from", from.String()),
		slog.Int("open", open), slog.Int("max_connections", l.cfg.Total), slog.Int("max_connections_per_client", l.cfg.PerClient))
}

// conn is a counted connection: closing it gives its place back, once.
type conn struct {
	net.Conn
	l         *Listener
	key       netip.Prefix
	perClient bool
	once      sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key, c.perClient) })
	return err
}

// CloseWrite keeps net/http's graceful close (write side first, so that a
// final answer is not lost to a reset) working through the wrapper.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ParsePrefixes parses a comma-separated list of CIDR prefixes or single
// addresses (a /32 or /128), as --trusted-proxies takes them.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		addr, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR prefix nor an address", item)
		}
		addr = addr.Unmap()
		out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return out, nil
}
