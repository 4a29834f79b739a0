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
	// RevokeSession marks the session revoked at at. A missing or already
	// revoked session is not an error.
	RevokeSession(ctx context.Context, id string, at time.Time) error
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
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO console_sessions (id, hash, token_id, created_at, last_seen_at, expires_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`),
		id, ss.Hash, token, s.time(ss.CreatedAt), s.time(ss.LastSeenAt), s.time(ss.ExpiresAt), s.nullTime(ss.RevokedAt))
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
	err := s.sql.QueryRowContext(ctx, s.q(`SELECT cs.id, cs.token_id, cs.created_at, cs.last_seen_at, cs.expires_at, cs.revoked_at,
			u.id, u.org_id, u.email, u.created_at, o.id, o.name, o.created_at, t.role,
			t.id, t.created_at, t.expires_at, t.last_used_at
		FROM console_sessions cs
		JOIN tokens t ON t.id = cs.token_id
		JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id
		JOIN organizations o ON o.id = t.org_id
		WHERE cs.hash = ?`), hash).
		Scan(&ss.ID, &ss.TokenID, timeColumn{&ss.CreatedAt}, timeColumn{&ss.LastSeenAt}, timeColumn{&ss.ExpiresAt}, nullTimeColumn{&ss.RevokedAt},
			&p.User.ID, &p.User.OrgID, &p.User.Email, timeColumn{&p.User.CreatedAt},
			&p.Organization.ID, &p.Organization.Name, timeColumn{&p.Organization.CreatedAt}, &p.Role,
			&p.Token.ID, timeColumn{&p.Token.CreatedAt}, nullTimeColumn{&p.Token.ExpiresAt}, nullTimeColumn{&p.Token.LastUsedAt})
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

// RevokeSession marks the session revoked; the first revocation's time stays.
func (s *db) RevokeSession(ctx context.Context, id string, at time.Time) error {
	canonical, ok := canonicalID(id)
	if !ok {
		return nil
	}
	_, err := s.sql.ExecContext(ctx, s.q(`UPDATE console_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
		s.time(at), canonical)
	return wrap("revoke session", err)
}
