package api

import "testing"

func TestIsUUIDAndIsCanonicalID(t *testing.T) {
	const canonical = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	cases := []struct {
		s                 string
		uuid, canonicalID bool
	}{
		{canonical, true, true},
		{"6BA7B810-9DAD-11D1-80B4-00C04FD430C8", true, false},
		{"6ba7b8109dad11d180b400c04fd430c8", true, false},
		{"6BA7B8109DAD11D180B400C04FD430C8", true, false},
		{"{" + canonical + "}", true, false},
		{"urn:uuid:" + canonical, true, false},
		{"URN:UUID:" + canonical, true, false},
		{"deploy", false, false},
		{"6ba7b8109dad11d180b400c04fd430c", false, false}, // 31 hex digits
		{"6ba7b8109dad11d180b400c04fd430c8a", false, false},
		{"", false, false},
	}
	for _, c := range cases {
		if got := IsUUID(c.s); got != c.uuid {
			t.Errorf("IsUUID(%q) = %v, want %v", c.s, got, c.uuid)
		}
		if got := IsCanonicalID(c.s); got != c.canonicalID {
			t.Errorf("IsCanonicalID(%q) = %v, want %v", c.s, got, c.canonicalID)
		}
	}
}

// TestJoinOr: the lists of types in messages read as before they were
// built from the lists.
func TestJoinOr(t *testing.T) {
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{ExecutorTypes(), "http, github, semaphore, gitlab, bitbucket, azure_devops or noop"},
		{IntegrationTypes(), "github, semaphore, gitlab, bitbucket, aws, azure, gcp, azure_devops, datadog or mongodb_atlas"},
		{[]string{"one"}, "one"},
		{nil, ""},
	} {
		if got := JoinOr(tt.names); got != tt.want {
			t.Errorf("JoinOr(%v) = %q, want %q", tt.names, got, tt.want)
		}
	}
}
