// Package outboundtest holds test helpers for code that calls out through
// the guarded client: a destination the guard must keep it from reaching.
package outboundtest

import (
	"net"
	"sync/atomic"
	"testing"
)

// Listener is a TCP listener on loopback that counts the connections it
// accepts and closes each at once: a tool on an address the guard blocks,
// so a test can prove that no connection was made at all.
type Listener struct {
	ln      net.Listener
	accepts atomic.Int32
}

// NewListener starts a Listener on 127.0.0.1 that stops with the test. It
// accepts at most 1,000 connections, so a guard that fails cannot make the
// test loop forever.
func NewListener(t *testing.T) *Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &Listener{ln: ln}
	go func() {
		for range 1000 {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.accepts.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return l
}

// Addr is the listener's host:port.
func (l *Listener) Addr() string { return l.ln.Addr().String() }

// URL is the listener's address as an http URL.
func (l *Listener) URL() string { return "http://" + l.Addr() }

// Accepts is how many connections reached the listener.
func (l *Listener) Accepts() int32 { return l.accepts.Load() }
