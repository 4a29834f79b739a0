package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Session is a console session: a signed-in browser that stands for the API
// token it was opened with. Only the hash of the session id is stored; no
// read returns even that.
type Session struct {
	// ID names the session (to revoke it); CreateSession sets a new one
	// when it is empty.
	ID      string
	Hash    []byte
	TokenID string
	// CreatedAt, LastSeenAt and ExpiresAt bound the session: the server
	// ends it when it has been idle too long or ExpiresAt has passed.
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// RevokedAt is when the user signed out; zero: not revoked.
	RevokedAt time.Time
	// AuthProvider names the auth provider the session signed in
	// through; "" for a pasted token.
	AuthProvider string
}

// SessionStore is the part of Store that keeps console sessions.
type SessionStore interface {
	// CreateSession stores a session hash for the token s.TokenID.
	// ErrNotFound when the token is gone.
	CreateSession(ctx context.Context, s Session) error
	// FindSession returns the session with this hash and the principal of
	// its token, or ErrNotFound (no such session, or its token was revoked
	// or replaced: deleting a token deletes its sessions). A revoked or
	// expired session is returned: the caller compares the times with its
	// clock.
	FindSession(ctx context.Context, hash []byte) (Session, Principal, error)
	// TouchSession records at as the session's last use unless a later use
	// is already recorded. A missing session is not an error.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// RevokeSession marks the session revoked at at and, in the same
	// transaction, deletes its token when the token was minted for it
	// (SessionConsole), so that the token is refused at once too; a
	// pasted token is left alone. A missing or already revoked session is
	// not an error.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// ListUserSessions returns the sessions of the user in the
	// organization: its console sessions not revoked and its CLI sign-ins'
	// tokens, newest first. Expired ones are listed too: the caller
	// compares the times with its clock.
	ListUserSessions(ctx context.Context, orgID, userID string) ([]UserSession, error)
	// RevokeUserSession ends the user's session id (a console session's
	// id, or a CLI sign-in's token id) as RevokeSession does, or deletes
	// the CLI sign-in's token. ErrNotFound when the user has no such
	// session (another user's is not found either).
	RevokeUserSession(ctx context.Context, orgID, userID, id string, at time.Time) error
	// RevokeUserSessions ends every session of the user except keep (a
	// session id; "" for none) and returns how many it ended.
	RevokeUserSessions(ctx context.Context, orgID, userID, keep string, at time.Time) (int, error)
}

// UserSession is one of a user's sessions as ListUserSessions returns it:
// never a token's or a session's hash.
type UserSession struct {
	// ID names the session to revoke it: the console session's id, or
	// the token's id for a CLI sign-in.
	ID string
	// Kind is SessionConsole or SessionCLI.
	Kind    string
	TokenID string
	// TokenKind is the token's SessionKind: "" when a console session
	// was opened with a pasted token.
	TokenKind    string
	AuthProvider string
	CreatedAt    time.Time
	// LastSeenAt is the last recorded use (a CLI token's is recorded at
	// most hourly); zero: never used.
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateSession stores a session hash, with a new id when s.ID is empty.
func (s *db) CreateSession(ctx context.Context, ss Session) error {
	token, ok := canonicalID(ss.TokenID)
	if !ok {
		return NotFound("token %q not found", ss.TokenID)
	}
	id := uuid.NewString()
	if ss.ID != "" {
		if id, ok = canonicalID(ss.ID); !ok {
			return NotFound("session id %q is not a UUID", ss.ID)
		}
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO console_sessions (id, hash, token_id, created_at, last_seen_at, expires_at, revoked_at, auth_provider)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		id, ss.Hash, token, s.time(ss.CreatedAt), s.time(ss.LastSeenAt), s.time(ss.ExpiresAt), s.nullTime(ss.RevokedAt), ss.AuthProvider)
	switch s.d.classify(err) {
	case primaryKeyViolation, uniqueViolation:
		return Conflict("session already exists")
	case foreignKeyViolation:
		return NotFound("token %q not found", ss.TokenID)
	}
	return wrap("create session", err)
}

// FindSession returns the session with this hash and its token's principal.
// The message never shows the hash.
func (s *db) FindSession(ctx context.Context, hash []byte) (Session, Principal, error) {
	var ss Session
	var p Principal
	err := s.sql.QueryRowContext(ctx, s.q(`SELECT cs.id, cs.token_id, cs.created_at, cs.last_seen_at, cs.expires_at, cs.revoked_at, cs.auth_provider,
			u.id, u.org_id, u.email, u.created_at, o.id, o.name, o.created_at, t.role,
			t.id, t.created_at, t.expires_at, t.last_used_at, t.session_kind
		FROM console_sessions cs
		JOIN tokens t ON t.id = cs.token_id
		JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id
		JOIN organizations o ON o.id = t.org_id
		WHERE cs.hash = ?`), hash).
		Scan(&ss.ID, &ss.TokenID, timeColumn{&ss.CreatedAt}, timeColumn{&ss.LastSeenAt}, timeColumn{&ss.ExpiresAt}, nullTimeColumn{&ss.RevokedAt}, &ss.AuthProvider,
			&p.User.ID, &p.User.OrgID, &p.User.Email, timeColumn{&p.User.CreatedAt},
			&p.Organization.ID, &p.Organization.Name, timeColumn{&p.Organization.CreatedAt}, &p.Role,
			&p.Token.ID, timeColumn{&p.Token.CreatedAt}, nullTimeColumn{&p.Token.ExpiresAt}, nullTimeColumn{&p.Token.LastUsedAt}, &p.Token.SessionKind)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, Principal{}, NotFound("session not found")
	}
	if err != nil {
		return Session{}, Principal{}, wrap("find session", err)
	}
	p.Token.UserID, p.Token.OrgID, p.Token.Role = p.User.ID, p.Organization.ID, p.Role
	return ss, p, nil
}

// TouchSession records the session's last use; it never moves it backwards.
func (s *db) TouchSession(ctx context.Context, id string, at time.Time) error {
	canonical, ok := canonicalID(id)
	if !ok {
		return nil
	}
	_, err := s.sql.ExecContext(ctx, s.q(`UPDATE console_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`),
		s.time(at), canonical, s.time(at))
	return wrap("touch session", err)
}

// RevokeSession marks the session revoked (the first revocation's time
// stays) and deletes the token minted for it.
func (s *db) RevokeSession(ctx context.Context, id string, at time.Time) error {
	canonical, ok := canonicalID(id)
	if !ok {
		return nil
	}
	return wrap("revoke session", s.inTx(ctx, func(tx *sql.Tx) error {
		return s.endSession(ctx, tx, canonical, at)
	}))
}

// endSession marks the session revoked and deletes its token when the
// token was minted for it.
func (s *db) endSession(ctx context.Context, tx *sql.Tx, id string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE console_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
		s.time(at), id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE session_kind = ?
		AND id = (SELECT token_id FROM console_sessions WHERE id = ?)`), SessionConsole, id)
	return err
}
