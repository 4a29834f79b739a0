package api

import "time"

// MeSessionsPath lists the caller's sessions (GET) and revokes all of
// them but the calling one (DELETE); MeSessionsPath + "/{sessionId}"
// revokes one. UserSessionsPath revokes every session of a user of the
// organization (owners and admins).
const (
	MeSessionsPath   = "/api/v1/me/sessions"
	UserSessionsPath = "/api/v1/users/{userId}/sessions"
)

// Session kinds (Session.Kind).
const (
	// SessionKindConsole is a signed-in browser.
	SessionKindConsole = "console"
	// SessionKindCLI is a CLI's browser sign-in (superplane login
	// --browser): the token it was given.
	SessionKindCLI = "cli"
)

// SignedInWithToken and SignedInWithBrowser are Session.SignedInWith for a
// console session opened with a pasted API token and for a CLI sign-in.
const (
	SignedInWithToken   = "token"
	SignedInWithBrowser = "browser"
)

// Session is one of the caller's sessions: never a token, a cookie or a
// hash of either.
type Session struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// SignedInWith is the auth provider's name, SignedInWithToken or
	// SignedInWithBrowser.
	SignedInWith string    `json:"signedInWith"`
	CreatedAt    time.Time `json:"createdAt"`
	// LastUsedAt is recorded at most every minute for a console session
	// and every hour for a CLI sign-in; absent: never used.
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	// Current marks the session the request came through.
	Current bool `json:"current"`
}

// ListSessionsResponse is GET /api/v1/me/sessions.
type ListSessionsResponse struct {
	Sessions []Session `json:"sessions"`
}

// RevokeSessionsResponse says how many sessions a bulk revocation ended.
type RevokeSessionsResponse struct {
	Revoked int `json:"revoked"`
}
