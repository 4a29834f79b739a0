package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise.
const TokenPrefix = "spt_"

// NewToken returns a new random API token and the hash under which it is
// stored. The token itself is never stored.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is how tokens are stored and looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// touchEvery is how stale a token's recorded last use may get before a
// request records it again: often enough for an operator deciding what to
// revoke, rarely enough that authentication stays a read.
const touchEvery = time.Hour

// Tokens holds the rules for API tokens: lookup by hash, expiry, the record
// of last use, and regeneration.
type Tokens struct {
	Store store.Store
	Log   *slog.Logger
	Now   func() time.Time
}

// Authenticate finds the principal of a bearer token. It asks the database
// on every call (nothing caches a principal), so a token revoked or replaced
// on any replica is refused by every replica from its next request on.
func (t *Tokens) Authenticate(ctx context.Context, token string) (store.Principal, error) {
	return t.authenticateHash(ctx, HashToken(token))
}

// Prefetched is what a request's authentication found of the records its
// scope names (AuthenticateIn). Found is false when the lookup fell back to
// the principal alone: the service then looks the records up itself, which
// names the missing one.
type Prefetched struct {
	Scope  store.Scope
	Found  bool
	Canvas store.Canvas
	Secret store.Secret
}

// AuthenticateIn is Authenticate that also finds the records scope names,
// in the same statement (store.FindPrincipalScope): a request that reads one
// record costs one round trip. When any is missing it falls back to
// Authenticate, so an unknown token is refused as before and the missing
// record is the service's 404. Nothing is cached: a revoked token is
// refused at once, as by Authenticate.
func (t *Tokens) AuthenticateIn(ctx context.Context, token string, scope store.Scope) (store.Principal, Prefetched, error) {
	hash := HashToken(token)
	sc, err := t.Store.FindPrincipalScope(ctx, hash, scope)
	if err != nil {
		if !isNotFound(err) {
			return store.Principal{}, Prefetched{}, err
		}
		p, err := t.authenticateHash(ctx, hash)
		return p, Prefetched{}, err
	}
	if err := t.admit(ctx, sc.Principal); err != nil {
		return store.Principal{}, Prefetched{}, err
	}
	return sc.Principal, Prefetched{Scope: scope, Found: true, Canvas: sc.Canvas, Secret: sc.Secret}, nil
}

// authenticateHash finds and admits the principal of a token's hash.
func (t *Tokens) authenticateHash(ctx context.Context, hash []byte) (store.Principal, error) {
	p, err := t.Store.FindPrincipal(ctx, hash)
	if err != nil {
		if isNotFound(err) {
			return store.Principal{}, unauthenticated("invalid token")
		}
		return store.Principal{}, err
	}
	if err := t.admit(ctx, p); err != nil {
		return store.Principal{}, err
	}
	return p, nil
}

// admit refuses an expired token's principal and records the token's use
// when the last record is stale.
func (t *Tokens) admit(ctx context.Context, p store.Principal) error {
	now := t.Now()
	// Only the holder of the token learns that it existed: "expired" tells
	// them to ask for a new one rather than to look for a typo.
	if exp := p.Token.ExpiresAt; !exp.IsZero() && !now.Before(exp) {
		return unauthenticated("token expired at %s: ask an operator for a new one", exp.UTC().Format(time.RFC3339))
	}
	if now.Sub(p.Token.LastUsedAt) >= touchEvery {
		// Best effort: a failed record of the last use must not refuse a
		// valid token (the database answered the lookup a moment ago).
		if err := t.Store.TouchToken(context.WithoutCancel(ctx), p.Token.ID, now); err != nil {
			t.Log.WarnContext(ctx, "recording a token's last use", slog.String("token_id", p.Token.ID), slog.String("error", err.Error()))
		}
	}
	return nil
}

// Regenerate replaces the principal's token by a new one with the same
// user, role and expiry (a rotation never extends the lifetime an operator
// gave) and returns the new token, which is never stored. The old token is
// refused from then on, on every replica.
func (t *Tokens) Regenerate(ctx context.Context, p store.Principal) (string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	next := store.Token{
		Hash: hash, UserID: p.User.ID, OrgID: p.Organization.ID, Role: p.Role,
		CreatedAt: Timestamp(t.Now), ExpiresAt: p.Token.ExpiresAt,
	}
	if err := t.Store.ReplaceToken(ctx, p.Token.ID, next); err != nil {
		if isNotFound(err) {
			// Revoked or replaced by a concurrent request since it
			// authenticated this one.
			return "", unauthenticated("invalid token")
		}
		return "", err
	}
	return token, nil
}
