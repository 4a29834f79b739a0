package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// SessionPrefix starts every console session id (the cookie's value).
const SessionPrefix = "sps_"

// Session lifetimes: a console session ends after SessionIdle without a
// request, and SessionMaxAge after it was opened whatever its use.
const (
	SessionIdle   = 12 * time.Hour
	SessionMaxAge = 7 * 24 * time.Hour
	// sessionTouchEvery is how stale a session's recorded last use may
	// get before a request records it again: the idle bound is hours, so
	// a write a minute at most keeps a page's polling a read.
	sessionTouchEvery = time.Minute
)

// Sessions holds the rules for console sessions: signing in with an API
// token, finding a request's principal by its session cookie, signing out,
// and the CSRF token that goes with a session.
type Sessions struct {
	Store  store.Store
	Tokens *Tokens
	Log    *slog.Logger
	Now    func() time.Time
	// Secure is whether the server is reached over https (its base URL),
	// so that the session cookie is marked Secure.
	Secure bool
}

func hashSession(id string) []byte {
	h := sha256.Sum256([]byte("superplane-console-session\x00" + id))
	return h[:]
}

// SignIn checks an API token as the API does and opens a session for it. It
// returns the session id, which is never stored (only its hash is): the
// caller sets it as the cookie and forgets it.
func (s *Sessions) SignIn(ctx context.Context, token string) (string, store.Principal, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return "", store.Principal{}, Invalid("token: paste an API token")
	}
	p, err := s.Tokens.Authenticate(ctx, token)
	if err != nil {
		return "", store.Principal{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", store.Principal{}, err
	}
	id := SessionPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := Timestamp(s.Now)
	expires := now.Add(SessionMaxAge)
	if exp := p.Token.ExpiresAt; !exp.IsZero() && exp.Before(expires) {
		expires = exp
	}
	if err := s.Store.CreateSession(ctx, store.Session{
		Hash: hashSession(id), TokenID: p.Token.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: expires,
	}); err != nil {
		if isNotFound(err) {
			// The token was revoked between the check and the insert.
			return "", store.Principal{}, unauthenticated("invalid token")
		}
		return "", store.Principal{}, err
	}
	return id, p, nil
}

// Authenticate finds the principal of a session id. It asks the database on
// every call, so a session signed out, or whose token was revoked, replaced
// or has expired, is refused from the next request on, on every replica.
func (s *Sessions) Authenticate(ctx context.Context, id string) (store.Session, store.Principal, error) {
	if !strings.HasPrefix(id, SessionPrefix) {
		return store.Session{}, store.Principal{}, unauthenticated("not signed in")
	}
	ss, p, err := s.Store.FindSession(ctx, hashSession(id))
	if err != nil {
		if isNotFound(err) {
			return store.Session{}, store.Principal{}, unauthenticated("not signed in")
		}
		return store.Session{}, store.Principal{}, err
	}
	now := s.Now()
	switch {
	case !ss.RevokedAt.IsZero():
		return store.Session{}, store.Principal{}, unauthenticated("signed out")
	case !now.Before(ss.ExpiresAt):
		return store.Session{}, store.Principal{}, unauthenticated("session expired: sign in again")
	case now.Sub(ss.LastSeenAt) >= SessionIdle:
		return store.Session{}, store.Principal{}, unauthenticated("session idle too long: sign in again")
	case !p.Token.ExpiresAt.IsZero() && !now.Before(p.Token.ExpiresAt):
		return store.Session{}, store.Principal{}, unauthenticated("the session's token expired: ask an operator for a new one")
	}
	if now.Sub(ss.LastSeenAt) >= sessionTouchEvery {
		// Best effort, as a token's last use: the lookup just succeeded.
		if err := s.Store.TouchSession(context.WithoutCancel(ctx), ss.ID, Timestamp(s.Now)); err != nil {
			s.Log.WarnContext(ctx, "recording a session's last use", slog.String("session_id", ss.ID), slog.String("error", err.Error()))
		}
	}
	return ss, p, nil
}

// SignOut revokes the session with this id; an unknown one is not an error
// (signing out twice signs out).
func (s *Sessions) SignOut(ctx context.Context, id string) error {
	if !strings.HasPrefix(id, SessionPrefix) {
		return nil
	}
	ss, _, err := s.Store.FindSession(ctx, hashSession(id))
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	return s.Store.RevokeSession(ctx, ss.ID, Timestamp(s.Now))
}

// CSRFToken is the synchronizer token of the session id: derived from the
// id (which only the browser holding the HttpOnly cookie has), so nothing
// more is stored and a page from another site cannot compute it.
func CSRFToken(sessionID string) string {
	h := sha256.Sum256([]byte("superplane-console-csrf\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// CheckCSRF compares a form's token with the session's in constant time.
func CheckCSRF(sessionID, got string) bool {
	want := CSRFToken(sessionID)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
