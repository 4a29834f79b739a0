package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// CLISignInCodeLifetime bounds how long the CLI has to trade the one-time
// code its loopback listener received.
const CLISignInCodeLifetime = 2 * time.Minute

// CLITokenLifetime is the lifetime of the API token a CLI's browser
// sign-in gets.
const CLITokenLifetime = api.DefaultTokenLifetime

// Open opens a console session for a user signed in through an auth
// provider: a token row is minted for the user with the role and the
// session's lifetime (its value is never shown, nor kept), and the session
// is bound to it, so everything that ends a pasted token's sessions ends
// this one too: revoking the token, its expiry; and signing the session
// out deletes the token (it is marked store.SessionConsole). provider is
// the auth provider's name, which the user's list of sessions shows.
func (s *Sessions) Open(ctx context.Context, u store.User, role, provider string) (string, store.Principal, error) {
	_, hash, err := NewToken()
	if err != nil {
		return "", store.Principal{}, err
	}
	now := Timestamp(s.Now)
	t := store.Token{Hash: hash, UserID: u.ID, OrgID: u.OrgID, Role: role, CreatedAt: now, ExpiresAt: now.Add(SessionMaxAge),
		SessionKind: store.SessionConsole}
	tokenID := uuid.NewString()
	t.ID = tokenID
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", store.Principal{}, err
	}
	id := SessionPrefix + randomString()
	if err := s.Store.CreateSession(ctx, store.Session{
		Hash: hashSession(id), TokenID: tokenID, CreatedAt: now, LastSeenAt: now, ExpiresAt: t.ExpiresAt, AuthProvider: provider,
	}); err != nil {
		return "", store.Principal{}, err
	}
	_, p, err := s.Store.FindSession(ctx, hashSession(id))
	if err != nil {
		return "", store.Principal{}, err
	}
	return id, p, nil
}

// challengePattern is a PKCE S256 challenge: 43 base64url characters.
var challengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// ValidCLIChallenge reports whether c is a PKCE S256 challenge.
func ValidCLIChallenge(c string) bool { return challengePattern.MatchString(c) }

func hashCLICode(code string) []byte {
	h := sha256.Sum256([]byte("superplane-cli-sign-in\x00" + code))
	return h[:]
}

// CLICode mints the one-time code a signed-in browser hands to the CLI's
// loopback listener: it stands for the session's user and role, lives
// CLISignInCodeLifetime, and only the holder of the PKCE verifier of
// challenge can trade it.
func (s *SignIns) CLICode(ctx context.Context, p store.Principal, challenge string) (string, error) {
	if !ValidCLIChallenge(challenge) {
		return "", Invalid("challenge: the CLI's PKCE S256 challenge (43 base64url characters) is required")
	}
	code := randomString()
	now := Timestamp(s.Now)
	err := s.Store.CreateSignInCode(ctx, store.SignInCode{Hash: hashCLICode(code), OrgID: p.Organization.ID, UserID: p.User.ID,
		Role: p.Role, Challenge: challenge, CreatedAt: now, ExpiresAt: now.Add(CLISignInCodeLifetime)})
	return code, err
}

// RedeemCLICode trades a one-time code and its PKCE verifier for a new API
// token of the code's user and role, marked store.SessionCLI: it is one of
// the user's sessions, listed and revoked as one. A code is taken by the first attempt,
// right or wrong: a guessed verifier gets no second try.
func (s *SignIns) RedeemCLICode(ctx context.Context, req api.CLISignInTokenRequest) (string, time.Time, error) {
	if req.Code == "" || req.Verifier == "" {
		return "", time.Time{}, Invalid("code and verifier are required")
	}
	c, err := s.Store.TakeSignInCode(ctx, hashCLICode(req.Code))
	if err != nil {
		if isNotFound(err) {
			return "", time.Time{}, unauthenticated("the sign-in code is unknown or was used: run superplane login --browser again")
		}
		return "", time.Time{}, err
	}
	if !s.Now().Before(c.ExpiresAt) {
		return "", time.Time{}, unauthenticated("the sign-in code expired: run superplane login --browser again")
	}
	if subtle.ConstantTimeCompare([]byte(S256Challenge(req.Verifier)), []byte(c.Challenge)) != 1 {
		return "", time.Time{}, unauthenticated("the PKCE verifier does not match the sign-in's challenge")
	}
	token, hash, err := NewToken()
	if err != nil {
		return "", time.Time{}, err
	}
	now := Timestamp(s.Now)
	exp := now.Add(CLITokenLifetime)
	if err := s.Store.CreateToken(ctx, store.Token{Hash: hash, UserID: c.UserID, OrgID: c.OrgID, Role: c.Role, CreatedAt: now, ExpiresAt: exp,
		SessionKind: store.SessionCLI}); err != nil {
		return "", time.Time{}, err
	}
	return token, exp, nil
}

// S256Challenge is the PKCE S256 challenge of verifier.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
