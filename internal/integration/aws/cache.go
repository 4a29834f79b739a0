package aws

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Temporary credentials a stage signs with (after web identity or role
// chaining) are kept in memory, per integration settings, subject and
// secret values, until shortly before they expire: a busy stage does not
// exchange a token at STS for every request. They are never written
// anywhere, and a verification always asks STS afresh.

// sessionMargin is how long before its expiry a session stops being used.
const sessionMargin = 5 * time.Minute

// maxSessions bounds the cache; past it, expired entries go first, then
// everything.
const maxSessions = 1024

type sessionCache struct {
	mu sync.Mutex
	m  map[[32]byte]sdkaws.Credentials
}

var sessions = &sessionCache{m: map[[32]byte]sdkaws.Credentials{}}

// sessionKey identifies what credentials c leads to at endpoint (the
// server's AWS endpoint, "" for AWS's own): its settings, subject and
// secret values, hashed (the key holds no credential). With the endpoint,
// servers of one process that call different endpoints (tests, each with
// its own fake STS) never sign with another's session.
func sessionKey(endpoint string, c integration.CloudCredentials) [32]byte {
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
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func (sc *sessionCache) get(key [32]byte, now time.Time) (sdkaws.Credentials, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	c, ok := sc.m[key]
	if !ok || !c.CanExpire || now.After(c.Expires.Add(-sessionMargin)) {
		return sdkaws.Credentials{}, false
	}
	return c, true
}

func (sc *sessionCache) put(key [32]byte, c sdkaws.Credentials, now time.Time) {
	if !c.CanExpire || now.After(c.Expires.Add(-sessionMargin)) {
		return // long-lived keys need no cache; nearly expired ones are not worth it
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.m) >= maxSessions {
		for k, v := range sc.m {
			if now.After(v.Expires.Add(-sessionMargin)) {
				delete(sc.m, k)
			}
		}
		if len(sc.m) >= maxSessions {
			clear(sc.m)
		}
	}
	sc.m[key] = c
}
