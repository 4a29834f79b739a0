package azure

import (
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// TestTokenCacheMargin: a token is reused until five minutes before it
// expires, and one that lives less than that is not kept at all; other
// settings, subjects, secrets, scopes or authorities are other entries.
func TestTokenCacheMargin(t *testing.T) {
	tc := &tokenCache{m: map[[32]byte]token{}}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	c := integration.CloudCredentials{Settings: []byte(`{"a":1}`), Subject: "s", Secret: map[string]string{"k": "v"}}
	key := tokenKey("", c, "https://management.azure.com/.default")
	tc.put(key, token{value: "t1", expires: now.Add(time.Hour)}, now)
	if got, ok := tc.get(key, now.Add(54*time.Minute)); !ok || got.value != "t1" {
		t.Fatalf("54 minutes in: %v %v, want the cached token", got, ok)
	}
	if _, ok := tc.get(key, now.Add(56*time.Minute)); ok {
		t.Fatal("56 minutes in (4 before expiry): the token is still used")
	}
	short := tokenKey("", c, "api://short/.default")
	tc.put(short, token{value: "t2", expires: now.Add(4 * time.Minute)}, now)
	if _, ok := tc.get(short, now); ok {
		t.Fatal("a token living 4 minutes was kept")
	}
	other := c
	other.Secret = map[string]string{"k": "rotated"}
	if tokenKey("", other, "https://management.azure.com/.default") == key || tokenKey("", c, "api://x/.default") == key {
		t.Fatal("a rotated secret or another scope shares the cache entry")
	}
	// Another authority (a second fake Entra in the same test process, as
	// -count=2 makes) is another entry: its token would be refused there.
	if tokenKey("http://127.0.0.1:1", c, "https://management.azure.com/.default") == key {
		t.Fatal("another authority shares the cache entry")
	}
}
