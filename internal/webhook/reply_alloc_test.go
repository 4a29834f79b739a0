package webhook

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestReceiptAsJSONMarshal: the accepted delivery's answer, written by
// hand, is byte for byte what json.Marshal wrote, and an id JSON would
// escape still goes through json.Marshal.
func TestReceiptAsJSONMarshal(t *testing.T) {
	for _, r := range []Receipt{
		{EventID: "0193a1c2-7f00-7000-8000-000000000001"}, {EventID: "0193a1c2-7f00-7000-8000-000000000001", Duplicate: true},
		{}, {EventID: `a"b<c>&é`}, {EventID: "x\u2028y", Duplicate: true},
	} {
		rec := httptest.NewRecorder()
		writeReply(rec, reply{status: http.StatusOK, body: r, receipt: r})
		want, _ := json.Marshal(r)
		if got := rec.Body.String(); got != string(want)+"\n" {
			t.Errorf("answer to %+v = %q, want %q", r, got, string(want)+"\n")
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

// TestDeliveryHeadersAsSorted: the headers stored are those of the
// sorted walk over every name (deliveryHeadersSorted, the only one before
// round eleven), for net/http's canonical names, other spellings, names
// of one header in two spellings, and non-ASCII or long names.
func TestDeliveryHeadersAsSorted(t *testing.T) {
	long := "X-Superplane-" + strings.Repeat("a", 70)
	for _, h := range []http.Header{
		{"Content-Type": {"application/json"}, "User-Agent": {"GitHub-Hookshot/1"}, "X-Github-Event": {"push"},
			"X-Hub-Signature-256": {"sha256=00"}, "Authorization": {"Bearer t"}, "Accept-Encoding": {"gzip"}},
		{"X-Superplane-Force": {"true"}, "X-Superplane-Token": {"t"}, "X-Superplane-": {"x"}, "X-Superplane-Env": {"a", "b"}},
		{"content-type": {"a"}, "Content-Type": {"b"}, "CONTENT-TYPE": {"c"}},
		{"X-Superplane-Été": {"x"}, "Content-Type\u00e9": {"y"}, long: {"z"}, "X-Delivery-Id": {"d-1"}, "Idempotency-Key": {"k"}},
		{"x-superplane-a": {"1"}, "X-Superplane-A": {"2"}},
		{},
	} {
		got, want := deliveryHeaders(h), deliveryHeadersSorted(h)
		if !maps.Equal(got, want) {
			t.Errorf("deliveryHeaders(%v) = %v, want %v", h, got, want)
		}
		for name := range got {
			if !StoredHeader(name) || strings.ToLower(name) != name {
				t.Errorf("stored %q, which StoredHeader refuses or is not lower-case", name)
			}
		}
	}
	got := deliveryHeaders(http.Header{"Content-Type": {"a"}, "content-type": {"b"}, "X-Request-Id": {"r"}})
	if got["content-type"] != "a, b" || got["x-request-id"] != "r" {
		t.Errorf("two spellings: %v, want content-type \"a, b\" in name order", got)
	}
	if names := slices.Sorted(maps.Keys(got)); len(names) != 2 {
		t.Errorf("stored %v", names)
	}
}

// TestDeliveryHeadersAllocations: a GitHub delivery's headers cost the
// map (2 allocations), not a sorted list of names and a lower-cased copy
// of each (17 before round eleven; the sorted walk that remains for two
// spellings of one name, with storedName's lower-casing on the stack, 9).
func TestDeliveryHeadersAllocations(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"GitHub-Hookshot/1"},
		"X-Github-Event": {"push"}, "X-Github-Delivery": {"d-1"}, "X-Hub-Signature-256": {"sha256=00"},
		"Accept-Encoding": {"gzip"}, "Content-Length": {"700"}, "Accept": {"*/*"}}
	allocs := testing.AllocsPerRun(200, func() { _ = deliveryHeaders(h) })
	if allocs > 3 {
		t.Errorf("a delivery's headers: %.1f allocations, want at most 3", allocs)
	}
}
