package connlimit_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/connlimit"
)

// remoteListener makes loopback clients look remote: a connection from
// 127.0.0.N (N > 1; Linux answers on all of 127/8) is handed over as one
// from 203.0.113.N (N < 100), 2001:db8:1:2::N (100 <= N < 200: one /64)
// or 2001:db8:1:N::1 (N >= 200: a /64 each), so that tests run on loopback
// with distinct client addresses. 127.0.0.1 stays loopback.
type remoteListener struct{ net.Listener }

type remoteConn struct {
	net.Conn
	remote net.Addr
}

func (c *remoteConn) RemoteAddr() net.Addr { return c.remote }

func (c *remoteConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (l remoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	a, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || a.IP.To4() == nil || a.IP.To4()[3] == 1 {
		return c, nil
	}
	return &remoteConn{Conn: c, remote: net.TCPAddrFromAddrPort(netip.AddrPortFrom(clientAddr(a.IP.To4()[3]), uint16(a.Port)))}, nil
}

// clientAddr is the address the server sees for client n.
func clientAddr(n byte) netip.Addr {
	switch {
	case n >= 200:
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, n, 15: 1})
	case n >= 100:
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 15: n})
	}
	return netip.AddrFrom4([4]byte{203, 0, 113, n})
}

// server serves h behind a Listener of cfg on loopback and returns its
// address and the Listener.
func server(t *testing.T, cfg connlimit.Config, h http.Handler, readHeader time.Duration) (string, *connlimit.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := connlimit.New(remoteListener{ln}, cfg)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeader}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), l
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }

// dial opens a connection from client n (127.0.0.n) to addr.
func dial(t *testing.T, addr string, n byte) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, n)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// get sends one request on c and returns the answer's status line and
// Retry-After, or the read error's text.
func get(t *testing.T, c net.Conn) (status, retryAfter string) {
	t.Helper()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return "write: " + err.Error(), ""
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "read: " + err.Error(), ""
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.Status, res.Header.Get("Retry-After")
}

// waitOpen waits, for at most five seconds, until l counts total
// connections in all and client for client n.
func waitOpen(t *testing.T, l *connlimit.Listener, n byte, total, client int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		gotTotal, gotClient := l.Open(clientAddr(n))
		if gotTotal == total && gotClient == client {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("open connections: %d in all, %d from client %d; want %d and %d", gotTotal, gotClient, n, total, client)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPerClientCap: a client holding its two connections has a third
// refused with 503 and Retry-After, while another client is served; once it
// closes one, it is served again.
func TestPerClientCap(t *testing.T) {
	addr, l := server(t, connlimit.Config{PerClient: 2}, http.HandlerFunc(ok), 0)
	a1, a2 := dial(t, addr, 2), dial(t, addr, 2)
	waitOpen(t, l, 2, 2, 2)
	if status, retry := get(t, dial(t, addr, 2)); status != "503 Service Unavailable" || retry != "5" {
		t.Fatalf("client A's third connection: %q, Retry-After %q; want 503, 5", status, retry)
	}
	if status, _ := get(t, dial(t, addr, 3)); status != "200 OK" {
		t.Fatalf("client B while A is at its cap: %q, want 200", status)
	}
	if status, _ := get(t, a1); status != "200 OK" {
		t.Fatalf("client A's first connection, within the cap: %q, want 200", status)
	}
	_ = a2.Close()
	waitOpen(t, l, 2, 2, 1) // a1 and B's (kept alive), minus a2
	if status, _ := get(t, dial(t, addr, 2)); status != "200 OK" {
		t.Fatalf("client A once it closed a connection: %q, want 200", status)
	}
}

// TestTotalCap: the cap in all refuses a third client while two hold the
// only two places; a trusted proxy is not held to the per-client cap but
// counts in all.
func TestTotalCap(t *testing.T) {
	proxy := netip.PrefixFrom(clientAddr(9), 32)
	addr, l := server(t, connlimit.Config{PerClient: 1, Total: 3, TrustedProxies: []netip.Prefix{proxy}}, http.HandlerFunc(ok), 0)
	dial(t, addr, 2)
	dial(t, addr, 9)
	dial(t, addr, 9)        // over PerClient, but a trusted proxy
	waitOpen(t, l, 9, 3, 0) // the proxy's are counted in all only
	for _, n := range []byte{3, 9} {
		if status, _ := get(t, dial(t, addr, n)); status != "503 Service Unavailable" {
			t.Errorf("client %d while the server holds its 3 connections: %q, want 503", n, status)
		}
	}
}

// TestLoopbackIsNotCounted: connections from loopback are neither counted
// nor refused, whatever the caps.
func TestLoopbackIsNotCounted(t *testing.T) {
	addr, l := server(t, connlimit.Config{PerClient: 1, Total: 1}, http.HandlerFunc(ok), 0)
	for i := range 3 {
		if status, _ := get(t, dial(t, addr, 1)); status != "200 OK" {
			t.Fatalf("loopback connection %d over caps of 1: %q, want 200", i, status)
		}
	}
	if total, _ := l.Open(netip.MustParseAddr("127.0.0.1")); total != 0 {
		t.Errorf("counted %d loopback connections, want 0", total)
	}
}

// TestReleasedOnTimeout: a client that sends nothing is closed by the
// server's header timeout, and its place is given back.
func TestReleasedOnTimeout(t *testing.T) {
	addr, l := server(t, connlimit.Config{PerClient: 1}, http.HandlerFunc(ok), 100*time.Millisecond)
	c := dial(t, addr, 2)
	// The server closes it: the client reads EOF.
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("the server answered a connection that sent nothing")
	}
	waitOpen(t, l, 2, 0, 0)
	if status, _ := get(t, dial(t, addr, 2)); status != "200 OK" {
		t.Fatalf("the client after its silent connection timed out: %q, want 200", status)
	}
}

// TestReleasedOnHijack: a hijacked connection (a stream the handler keeps)
// holds its place until the handler closes it, then gives it back.
func TestReleasedOnHijack(t *testing.T) {
	release := make(chan struct{})
	hijack := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stream" {
			ok(w, r)
			return
		}
		c, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n")
		_ = buf.Flush()
		<-release
		_ = c.Close()
	})
	addr, l := server(t, connlimit.Config{PerClient: 1}, hijack, 0)
	stream := dial(t, addr, 2)
	if _, err := io.WriteString(stream, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stream).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("the stream: %q, %v", line, err)
	}
	if status, _ := get(t, dial(t, addr, 2)); status != "503 Service Unavailable" {
		t.Fatalf("a second connection while the hijacked stream is open: %q, want 503", status)
	}
	close(release)
	waitOpen(t, l, 2, 0, 0)
	if status, _ := get(t, dial(t, addr, 2)); status != "200 OK" {
		t.Fatalf("once the handler closed the stream: %q, want 200", status)
	}
}

// TestClientsOfOneIPv6Prefix: IPv6 addresses count by their /64: a second
// address of the same /64 is refused at a cap of one, one of another /64
// served.
func TestClientsOfOneIPv6Prefix(t *testing.T) {
	addr, l := server(t, connlimit.Config{PerClient: 1}, http.HandlerFunc(ok), 0)
	dial(t, addr, 100)
	waitOpen(t, l, 101, 1, 1)
	if status, _ := get(t, dial(t, addr, 101)); status != "503 Service Unavailable" {
		t.Errorf("another address of the same /64: %q, want 503", status)
	}
	if status, _ := get(t, dial(t, addr, 200)); status != "200 OK" {
		t.Errorf("an address of another /64: %q, want 200", status)
	}
}

// TestParsePrefixes: --trusted-proxies takes prefixes and single
// addresses, IPv4-mapped ones as IPv4, and nothing else.
func TestParsePrefixes(t *testing.T) {
	got, err := connlimit.ParsePrefixes(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,::ffff:198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "[10.0.0.0/8 192.0.2.7/32 2001:db8::/32 198.51.100.1/32]"; fmt.Sprint(got) != want {
		t.Errorf("ParsePrefixes: %v, want %s", got, want)
	}
	if _, err := connlimit.ParsePrefixes("10.0.0.0/8,proxy"); err == nil {
		t.Error("ParsePrefixes took a host name")
	}
}
