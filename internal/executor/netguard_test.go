package executor

import (
	"net/netip"
	"strings"
	"testing"
)

func TestGuardCheck(t *testing.T) {
	deny := guard{}
	allowLoopback := guard{allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	tests := []struct {
		g       guard
		addr    string
		wantWhy string // "" when allowed
	}{
		{deny, "169.254.169.254", "a cloud metadata service address"},
		{deny, "fd00:ec2::254", "a cloud metadata service address"},
		{deny, "100.100.100.200", "a cloud metadata service address"},
		{deny, "169.254.10.1", "a link-local address"},
		{deny, "fe80::1", "a link-local address"},
		{deny, "fe80::1%eth0", "a link-local address"},
		{deny, "127.0.0.1", "a loopback address"},
		{deny, "127.8.9.10", "a loopback address"},
		{deny, "::1", "a loopback address"},
		{deny, "0.0.0.0", "an unspecified address"},
		{deny, "::", "an unspecified address"},
		{deny, "224.0.0.1", "a multicast address"},
		{deny, "ff02::1", "a multicast address"},
		// The same addresses written as IPv6.
		{deny, "::ffff:127.0.0.1", "a loopback address"},
		{deny, "::ffff:169.254.169.254", "a cloud metadata service address"},
		{deny, "64:ff9b::a9fe:a9fe", "a cloud metadata service address"},
		{deny, "2002:7f00:1::1", "a loopback address"},
		// Ordinary destinations, private networks included.
		{deny, "93.184.216.34", ""},
		{deny, "10.0.0.1", ""},
		{deny, "192.168.1.1", ""},
		{deny, "2606:4700::1111", ""},
		{deny, "100.100.100.201", ""},
		// AllowNetworks wins, in either notation.
		{allowLoopback, "127.0.0.1", ""},
		{allowLoopback, "::ffff:127.0.0.1", ""},
		{allowLoopback, "::1", "a loopback address"},
		{allowLoopback, "169.254.169.254", "a cloud metadata service address"},
	}
	for _, tt := range tests {
		name := tt.addr
		if len(tt.g.allow) > 0 {
			name += " allowing 127.0.0.0/8"
		}
		t.Run(name, func(t *testing.T) {
			err := tt.g.check(netip.MustParseAddr(tt.addr))
			if tt.wantWhy == "" {
				if err != nil {
					t.Errorf("check = %v, want allowed", err)
				}
				return
			}
			d, ok := deniedError(err)
			if !ok {
				t.Fatalf("check = %v, want a *DeniedError", err)
			}
			if d.Why != tt.wantWhy || !strings.Contains(err.Error(), "is not allowed") {
				t.Errorf("check = %q (why %q), want why %q", err, d.Why, tt.wantWhy)
			}
		})
	}
}

func TestGuardControlRefusesUnparsedAddress(t *testing.T) {
	if err := (guard{}).control("tcp", "example.com:80", nil); err == nil {
		t.Error("control accepted a host name; it must only ever see resolved addresses")
	}
	if err := (guard{}).control("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control refused a public address: %v", err)
	}
}
