package service

import (
	"encoding/json"
	"slices"
	"strings"
)

// marshalHeaders is json.Marshal of a delivery's stored headers, byte for
// byte: keys in order, every key and value quoted. When a key or value
// holds a byte json.Marshal would escape (a quote, a backslash, <, > or &,
// a control character, anything not ASCII) it is json.Marshal itself;
// otherwise the bytes are appended without reflection and without
// json.Marshal's sorting of reflected keys, which was 2.7 µs of a busy
// canvas delivery (BENCHMARKS.md, round eleven).
func marshalHeaders(h map[string]string) ([]byte, error) {
	var buf [16]string
	keys := buf[:0]
	size := 2
	for k, v := range h {
		if !plainJSON(k) || !plainJSON(v) {
			return json.Marshal(h)
		}
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	if h == nil {
		return []byte("null"), nil
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":"`...)
		b = append(b, h[k]...)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// plainJSON tells a string json.Marshal writes between quotes as it is.
func plainJSON(s string) bool {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || strings.IndexByte(`"\<>&`, c) >= 0 {
			return false
		}
	}
	return true
}
