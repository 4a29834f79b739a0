package service

import (
	"encoding/json"
	"testing"
)

// TestMarshalHeadersAsJSONMarshal: the stored headers' bytes are
// json.Marshal's, for plain values and for every kind it escapes.
func TestMarshalHeadersAsJSONMarshal(t *testing.T) {
	for _, h := range []map[string]string{
		nil, {}, {"content-type": "application/json"},
		{"x-github-event": "push", "content-type": "application/json; charset=utf-8", "user-agent": "GitHub-Hookshot/1a2b"},
		{"a": `q"uote`}, {"a": `back\slash`}, {"a": "<b>&"}, {"a": "tab\there"}, {"a": "é"}, {"a": "\u2028"}, {"a": "\xff"},
		{"a": "\x7f"}, {"x-superplane-env": "prod", "x-superplane-b": "", "x-superplane-a": " ~!#$%'()*+,-./:;=?@[]^_`{|}"},
	} {
		want, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalHeaders(h)
		if err != nil || string(got) != string(want) {
			t.Errorf("marshalHeaders(%q) = %s, %v; want %s", h, got, err, want)
		}
	}
}

// TestMarshalHeadersAllocations: a delivery's headers cost their bytes,
// one allocation; json.Marshal's reflection over the map took 10.
func TestMarshalHeadersAllocations(t *testing.T) {
	h := map[string]string{"content-type": "application/json", "user-agent": "GitHub-Hookshot/1a2b",
		"x-github-event": "push", "x-github-delivery": "0193a1c2-7f00-7000-8000-000000000001"}
	if allocs := testing.AllocsPerRun(200, func() { _, _ = marshalHeaders(h) }); allocs > 1 {
		t.Errorf("a delivery's headers: %.1f allocations, want 1", allocs)
	}
}
