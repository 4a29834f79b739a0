package connlimit_test

import (
	"net"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/connlimit"
)

// fakeConn is a connection from a fixed remote address that does nothing.
type fakeConn struct {
	net.Conn
	remote net.Addr
}

func (c fakeConn) RemoteAddr() net.Addr { return c.remote }
func (c fakeConn) Close() error         { return nil }

// fakeListener hands over the same connection forever.
type fakeListener struct {
	net.Listener
	c net.Conn
}

func (l fakeListener) Accept() (net.Conn, error) { return l.c, nil }

// BenchmarkAcceptClose is what the caps add to each connection: the
// address's classification, the count taken at Accept and given back at
// Close (the server's own work per connection is tens of microseconds).
func BenchmarkAcceptClose(b *testing.B) {
	for _, c := range []struct {
		name string
		ip   net.IP
	}{{"counted", net.IPv4(203, 0, 113, 7)}, {"loopback", net.IPv4(127, 0, 0, 1)}} {
		b.Run(c.name, func(b *testing.B) {
			l := connlimit.New(fakeListener{c: fakeConn{remote: &net.TCPAddr{IP: c.ip, Port: 4000}}}, connlimit.Config{PerClient: 64, Total: 4096})
			b.ReportAllocs()
			for b.Loop() {
				conn, err := l.Accept()
				if err != nil {
					b.Fatal(err)
				}
				_ = conn.Close()
			}
		})
	}
}
