package store

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestCanonicalID: an id is a UUID exactly as uuid.Parse then String
// spell it; every other spelling of one, and anything else, is not.
func TestCanonicalID(t *testing.T) {
	id := uuid.NewString()
	for _, c := range []struct {
		in   string
		want bool
	}{
		{id, true},
		{"00000000-0000-0000-0000-000000000000", true},
		{strings.ToUpper(id), false},
		{strings.ReplaceAll(id, "-", ""), false},
		{"{" + id + "}", false},
		{"urn:uuid:" + id, false},
		{id[:35] + "g", false},
		{id[:8] + "x" + id[9:], false},
		{id[:35], false},
		{id + "0", false},
		{"", false},
		{"deploy", false},
	} {
		got, ok := canonicalID(c.in)
		if ok != c.want || (ok && got != c.in) {
			t.Errorf("canonicalID(%q) = %q, %v; want %v", c.in, got, ok, c.want)
		}
		parsed, err := uuid.Parse(c.in)
		if same := err == nil && parsed.String() == c.in; same != ok {
			t.Errorf("canonicalID(%q) = %v, uuid.Parse then String says %v", c.in, ok, same)
		}
	}
}
