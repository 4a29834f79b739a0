package gcp

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Access tokens a stage sends are kept in memory, per integration
// settings, subject, secret values and scopes, until shortly before they
// expire: a busy stage does not run the token flow for every request. They
// are never written anywhere, and a verification always asks Google
// afresh.

// tokenMargin is how long before its expiry a token stops being used.
const tokenMargin = 5 * time.Minute

// maxTokens bounds the cache; past it, expired entries go first, then
// everything.
const maxTokens = 1024

type cachedToken struct {
	value   string
	expires time.Time
}

type tokenCache struct {
	mu sync.Mutex
	m  map[[32]byte]cachedToken
}

var tokens = &tokenCache{m: map[[32]byte]cachedToken{}}

// cacheKey identifies what credentials c and scopes lead to at endpoint
// (the server's Google endpoint, "" for Google's own), hashed (the key
// holds no credential): servers of one process that call different
// endpoints (tests, each with its own fake) never send another's token.
func cacheKey(endpoint string, c integration.CloudCredentials, scopes []string) [32]byte {
	h := sha256.New()
	write := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	write(endpoint)
	write(string(c.Settings))
	write(c.Subject)
	keys := make([]string, 0, len(c.Secret))
	for k := range c.Secret {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		write(k)
		write(c.Secret[k])
	}
	write("scopes")
	for _, s := range scopes {
		write(s)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func (tc *tokenCache) get(key [32]byte, now time.Time) (string, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	t, ok := tc.m[key]
	if !ok || now.After(t.expires.Add(-tokenMargin)) {
		return "", false
	}
	return t.value, true
}

func (tc *tokenCache) put(key [32]byte, value string, expires, now time.Time) {
	if expires.IsZero() || now.After(expires.Add(-tokenMargin)) {
		return // no expiry known, or nearly expired: not worth keeping
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= maxTokens {
		for k, v := range tc.m {
			if now.After(v.expires.Add(-tokenMargin)) {
				delete(tc.m, k)
			}
		}
		if len(tc.m) >= maxTokens {
			clear(tc.m)
		}
	}
	tc.m[key] = cachedToken{value: value, expires: expires}
}
