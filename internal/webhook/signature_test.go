package webhook

import (
	"bytes"
	"strings"
	"testing"
)

func TestSignMatchesOpenSSL(t *testing.T) {
	// A sender following the docs computes the signature with
	// printf '{"version":"v1.0","app":"core"}' | openssl dgst -sha256 -hmac key
	const want = "sha256=fdd72e38110320bb2bf60b2315030f4a1efb93c6f3aaf91b02dfb413b081fc24"
	if got := Sign([]byte("key"), []byte(`{"version":"v1.0","app":"core"}`)); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestParseSignature(t *testing.T) {
	hexMAC := strings.Repeat("ab", 32)
	tests := []struct {
		value          string
		prefixRequired bool
		ok             bool
	}{
		{"sha256=" + hexMAC, false, true},
		{"sha256=" + hexMAC, true, true},
		{"SHA256=" + strings.ToUpper(hexMAC), true, true},
		{hexMAC, false, true},
		{hexMAC, true, false},
		{"", false, false},
		{"sha256=", false, false},
		{"sha256=" + hexMAC[:62], false, false},
		{"sha256=" + hexMAC + "ab", false, false},
		{"sha256=" + hexMAC[:63] + "g", false, false},
		{"sha256= " + hexMAC[1:], false, false},
		{"sha1=" + hexMAC, false, false},
		{"sha256=sha256=" + hexMAC, false, false},
	}
	for _, tt := range tests {
		sig, ok := parseSignature(tt.value, tt.prefixRequired)
		if ok != tt.ok {
			t.Errorf("parseSignature(%q, %v) ok = %v, want %v", tt.value, tt.prefixRequired, ok, tt.ok)
		}
		if ok && !bytes.Equal(sig, bytes.Repeat([]byte{0xab}, 32)) {
			t.Errorf("parseSignature(%q) = %x", tt.value, sig)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"a":1}`)
	current, previous := []byte("current"), []byte("previous")
	tests := []struct {
		name string
		keys [][]byte
		key  []byte
		want bool
	}{
		{"current key", [][]byte{current, previous}, current, true},
		{"previous key in grace", [][]byte{current, previous}, previous, true},
		{"previous key after grace", [][]byte{current}, previous, false},
		{"no keys", nil, current, false},
		{"empty key is never usable", [][]byte{{}}, []byte{}, false},
	}
	for _, tt := range tests {
		if got := verifySignature(tt.keys, body, mac(tt.key, body)); got != tt.want {
			t.Errorf("%s: verifySignature = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 5<<10)
	keys := [][]byte{[]byte("current-signing-key"), []byte("previous-signing-key")}
	header := Sign(keys[0], body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		sig, ok := parseSignature(header, false)
		if !ok || !verifySignature(keys, body, sig) {
			b.Fatal("signature did not verify")
		}
	}
}
