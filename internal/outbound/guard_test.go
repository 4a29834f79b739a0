package outbound

import (
	"net/netip"
	"strings"
	"testing"
)

// TestGuardCheck covers every form of address the guard must refuse, the
// IPv6 forms that lead to an IPv4 address included, and what
// AllowedNetworks lets through.
func TestGuardCheck(t *testing.T) {
	deny := guard{}
	allowLoopback := guard{allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	allowPrivate := guard{allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	tests := []struct {
		g        guard
		addr     string
		wantKind string // "" when allowed
	}{
		{deny, "169.254.169.254", "cloud metadata service addresses"},
		{deny, "fd00:ec2::254", "cloud metadata service addresses"},
		{deny, "100.100.100.200", "cloud metadata service addresses"},
		{deny, "169.254.10.1", "link-local addresses"},
		{deny, "fe80::1", "link-local addresses"},
		{deny, "fe80::1%eth0", "link-local addresses"},
		{deny, "127.0.0.1", "loopback addresses"},
		{deny, "127.8.9.10", "loopback addresses"},
		{deny, "::1", "loopback addresses"},
		{deny, "0.0.0.0", "unspecified addresses"},
		{deny, "0.1.2.3", "unspecified addresses"},
		{deny, "::", "unspecified addresses"},
		{deny, "10.0.0.1", "private addresses"},
		{deny, "172.16.0.1", "private addresses"},
		{deny, "172.31.255.254", "private addresses"},
		{deny, "192.168.1.1", "private addresses"},
		{deny, "fc00::1", "private addresses"},
		{deny, "fd12:3456::1", "private addresses"},
		{deny, "100.64.0.1", "shared (CGNAT) addresses"},
		{deny, "100.127.255.254", "shared (CGNAT) addresses"},
		{deny, "224.0.0.1", "multicast addresses"},
		{deny, "239.255.255.250", "multicast addresses"},
		{deny, "ff02::1", "multicast addresses"},
		{deny, "255.255.255.255", "broadcast addresses"},
		{deny, "240.0.0.1", "reserved addresses"},
		// IPv4-mapped IPv6.
		{deny, "::ffff:127.0.0.1", "loopback addresses"},
		{deny, "::ffff:169.254.169.254", "cloud metadata service addresses"},
		{deny, "::ffff:10.1.2.3", "private addresses"},
		// IPv4-compatible IPv6 (deprecated).
		{deny, "::7f00:1", "IPv4-compatible IPv6 addresses"},
		// NAT64, the well-known and the local-use prefix.
		{deny, "64:ff9b::a9fe:a9fe", "cloud metadata service addresses"},
		{deny, "64:ff9b::7f00:1", "loopback addresses"},
		{deny, "64:ff9b::192.168.0.1", "private addresses"},
		{deny, "64:ff9b:1::a9fe:a9fe", "cloud metadata service addresses"},
		{deny, "64:ff9b:1:abcd::a00:1", "private addresses"},
		// 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
		{deny, "2002:7f00:1::1", "loopback addresses"},
		{deny, "2002:a9fe:a9fe::", "cloud metadata service addresses"},
		{deny, "2002:c0a8:101::1", "private addresses"},
		// Teredo: the client's IPv4 address is in the last 32 bits,
		// inverted (127.0.0.1 -> 80ff:fffe, 169.254.169.254 -> 5601:5601).
		{deny, "2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback addresses"},
		{deny, "2001:0:4136:e378:8000:63bf:5601:5601", "cloud metadata service addresses"},
		{deny, "2001:0:4136:e378:8000:63bf:f5ff:fffe", "private addresses"},
		// Ordinary public destinations, in every form.
		{deny, "93.184.216.34", ""},
		{deny, "2606:4700::1111", ""},
		{deny, "100.100.100.201", "shared (CGNAT) addresses"},
		{deny, "100.128.0.1", ""},
		{deny, "172.32.0.1", ""},
		{deny, "::ffff:93.184.216.34", ""},
		{deny, "64:ff9b::5db8:d822", ""},
		{deny, "2002:5db8:d822::1", ""},
		{deny, "2001:0:4136:e378:8000:63bf:a247:27dd", ""},
		// AllowedNetworks wins, in either notation, for what it names only.
		{allowLoopback, "127.0.0.1", ""},
		{allowLoopback, "::ffff:127.0.0.1", ""},
		{allowLoopback, "64:ff9b::7f00:1", ""},
		{allowLoopback, "::1", "loopback addresses"},
		{allowLoopback, "169.254.169.254", "cloud metadata service addresses"},
		{allowLoopback, "10.0.0.1", "private addresses"},
		{allowPrivate, "10.20.30.40", ""},
		{allowPrivate, "fd12::1", ""},
		{allowPrivate, "192.168.1.1", "private addresses"},
		{allowPrivate, "fc00::1", "private addresses"},
	}
	for _, tt := range tests {
		name := tt.addr
		if len(tt.g.allow) > 0 {
			name += " allowing " + tt.g.allow[0].String()
		}
		t.Run(name, func(t *testing.T) {
			ap := netip.AddrPortFrom(netip.MustParseAddr(tt.addr), 8080)
			err := tt.g.check(ap)
			if tt.wantKind == "" {
				if err != nil {
					t.Errorf("check = %v, want allowed", err)
				}
				return
			}
			d, ok := Denied(err)
			if !ok {
				t.Fatalf("check = %v, want a *DeniedError", err)
			}
			if d.Kind != tt.wantKind {
				t.Errorf("check = %q (kind %q), want kind %q", err, d.Kind, tt.wantKind)
			}
			if !strings.Contains(err.Error(), "refused: "+tt.wantKind+" are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)") {
				t.Errorf("message %q does not say what is blocked and which setting allows it", err)
			}
		})
	}
}

func TestDeniedErrorMessage(t *testing.T) {
	err := guard{}.check(netip.MustParseAddrPort("127.0.0.1:8080"))
	want := "connection to 127.0.0.1:8080 refused: loopback addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	err = guard{}.check(netip.MustParseAddrPort("[64:ff9b::a9fe:a9fe]:80"))
	want = "connection to [64:ff9b::a9fe:a9fe]:80 (which leads to 169.254.169.254) refused: cloud metadata service addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestGuardControlRefusesUnparsedAddress(t *testing.T) {
	if err := (guard{}).control("tcp", "example.com:80", nil); err == nil {
		t.Error("control accepted a host name; it must only ever see resolved addresses")
	}
	if err := (guard{}).control("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control refused a public address: %v", err)
	}
	if err := (guard{}).control("tcp6", "[::ffff:127.0.0.1]:443", nil); err == nil {
		t.Error("control accepted an IPv4-mapped loopback address")
	}
}

func TestParseAllowedNetworks(t *testing.T) {
	got, err := ParseAllowedNetworks(" 127.0.0.0/8, fd00::/8 10.1.2.3/16")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("10.1.0.0/16")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	if got, err := ParseAllowedNetworks(""); err != nil || len(got) != 0 {
		t.Errorf("empty value = %v, %v; want nothing allowed", got, err)
	}
	if _, err := ParseAllowedNetworks("127.0.0.1"); err == nil || !strings.Contains(err.Error(), `"127.0.0.1"`) {
		t.Errorf("a bare address = %v, want an error naming it", err)
	}
}
