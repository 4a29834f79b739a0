package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Token is an API token. Only the SHA-256 hash of the token is stored, and
// no read returns even that: listings and principals leave Hash nil.
type Token struct {
	// ID names the token to list and revoke it; CreateToken sets a new one
	// when it is empty.
	ID        string
	Hash      []byte
	UserID    string
	OrgID     string
	Role      string // owner, admin, viewer
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; zero: never.
	ExpiresAt time.Time
	// LastUsedAt is when the token last authenticated a request, recorded
	// at most about hourly (TouchToken); zero: never.
	LastUsedAt time.Time
	// SessionKind says what the token was minted for: SessionConsole or
	// SessionCLI, whose sessions end it, or "" for a token an operator or
	// a service account made, which ending a session never deletes.
	SessionKind string
}

// The kinds of tokens minted for a sign-in (Token.SessionKind).
const (
	// SessionConsole: minted for one console session (an auth provider's
	// sign-in); signing that session out deletes it.
	SessionConsole = "console"
	// SessionCLI: minted by a CLI's browser sign-in; it is a session of
	// its own, listed and revoked as one.
	SessionCLI = "cli"
)

// Principal is who a token authenticates: the user, the organization and the
// token's role. Token is the token itself, without its hash.
type Principal struct {
	User         User
	Organization Organization
	Role         string
	Token        Token
}

// TokenStore is the part of Store that keeps API tokens: the server creates
// them and finds whom one authenticates; the operator lists, revokes and
// replaces them.
type TokenStore interface {
	// CreateToken stores a token hash.
	CreateToken(ctx context.Context, t Token) error
	// FindPrincipal returns who the token with this hash belongs to, or
	// ErrNotFound.
	FindPrincipal(ctx context.Context, tokenHash []byte) (Principal, error)
	// FindPrincipalScope returns, in one statement, the principal of the
	// token with this hash and the canvas and secret scope names in its
	// organization; ErrNotFound when any is missing, without saying which.
	FindPrincipalScope(ctx context.Context, tokenHash []byte, scope Scope) (Scoped, error)
	// ListTokens returns the tokens of the organization named org (every
	// organization's when org is empty), ordered by organization name,
	// creation time and id. Expired tokens are listed too.
	ListTokens(ctx context.Context, org string) ([]TokenInfo, error)
	// RevokeToken deletes the token with this id, so that it authenticates
	// nothing from the next request on. ErrNotFound when there is none.
	RevokeToken(ctx context.Context, id string) error
	// ReplaceToken deletes the token oldID and stores t in one transaction:
	// either the old token keeps working or only the new one does.
	// ErrNotFound when oldID is gone (revoked or replaced meanwhile).
	ReplaceToken(ctx context.Context, oldID string, t Token) error
	// TouchToken records at as the token's last use unless a later use is
	// already recorded. A missing token is not an error.
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// TokenInfo is a token as the operator lists it: never its hash, but the
// names of its organization and user.
type TokenInfo struct {
	Token
	Organization string
	UserEmail    string
}

// CreateToken stores a token hash, with a new id when t.ID is empty.
// ErrNotFound when the user is not in the organization; ErrConflict when the
// hash (or the id) is already stored.
func (s *db) CreateToken(ctx context.Context, t Token) error {
	return wrap("create token", s.insertToken(ctx, s.sql, t))
}

func (s *db) insertToken(ctx context.Context, q querier, t Token) error {
	user, okUser := canonicalID(t.UserID)
	org, okOrg := canonicalID(t.OrgID)
	if !okUser || !okOrg {
		return NotFound("user %q not found in organization %q", t.UserID, t.OrgID)
	}
	id := uuid.NewString()
	if t.ID != "" {
		var ok bool
		if id, ok = canonicalID(t.ID); !ok {
			return NotFound("token id %q is not a UUID", t.ID)
		}
	}
	_, err := q.ExecContext(ctx, s.q(`INSERT INTO tokens (id, hash, user_id, org_id, role, created_at, expires_at, last_used_at, session_kind)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, t.Hash, user, org, t.Role, s.time(t.CreatedAt), s.nullTime(t.ExpiresAt), s.nullTime(t.LastUsedAt), t.SessionKind)
	switch s.d.classify(err) {
	case primaryKeyViolation, uniqueViolation:
		return Conflict("token already exists")
	case foreignKeyViolation:
		return NotFound("user %q not found in organization %q", t.UserID, t.OrgID)
	}
	return err
}

// FindPrincipal returns who the token with this hash belongs to, or
// ErrNotFound. It reads the database on every call (nothing caches it), so a
// revoked token fails on every replica at its next request. An expired token
// is returned: the caller compares ExpiresAt with its clock. The message never
// shows the hash.
func (s *db) FindPrincipal(ctx context.Context, tokenHash []byte) (Principal, error) {
	var p Principal
	err := s.sql.QueryRowContext(ctx, s.q(`SELECT `+principalColumns+principalFrom+` WHERE t.hash = ?`), tokenHash).
		Scan(principalDest(&p)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, NotFound("token not found")
	}
	if err != nil {
		return Principal{}, wrap("find principal", err)
	}
	p.Token.UserID, p.Token.OrgID, p.Token.Role = p.User.ID, p.Organization.ID, p.Role
	return p, nil
}

// ListTokens returns the tokens of organization org, or of all when org is
// empty, without their hashes.
func (s *db) ListTokens(ctx context.Context, org string) ([]TokenInfo, error) {
	query := `SELECT t.id, t.user_id, t.org_id, t.role, t.created_at, t.expires_at, t.last_used_at, o.name, u.email
		FROM tokens t
		JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id
		JOIN organizations o ON o.id = t.org_id`
	var args []any
	if org != "" {
		query += ` WHERE o.name = ?`
		args = append(args, org)
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query+` ORDER BY o.name, t.created_at, t.id`), args...)
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	defer rows.Close()
	out := []TokenInfo{}
	for rows.Next() {
		var ti TokenInfo
		if err := rows.Scan(&ti.ID, &ti.UserID, &ti.OrgID, &ti.Role, timeColumn{&ti.CreatedAt},
			nullTimeColumn{&ti.ExpiresAt}, nullTimeColumn{&ti.LastUsedAt}, &ti.Organization, &ti.UserEmail); err != nil {
			return nil, wrap("list tokens", err)
		}
		out = append(out, ti)
	}
	return out, wrap("list tokens", rows.Err())
}

// RevokeToken deletes the token with this id. ErrNotFound when missing.
func (s *db) RevokeToken(ctx context.Context, id string) error {
	canonical, ok := canonicalID(id)
	if !ok {
		return NotFound("token %q not found", id)
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE id = ?`), canonical)
	if err != nil {
		return wrap("revoke token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("revoke token", err)
	}
	if n == 0 {
		return NotFound("token %q not found", id)
	}
	return nil
}

// ReplaceToken deletes oldID and inserts t in one transaction.
func (s *db) ReplaceToken(ctx context.Context, oldID string, t Token) error {
	old, ok := canonicalID(oldID)
	if !ok {
		return NotFound("token %q not found", oldID)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE id = ?`), old)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return NotFound("token %q not found", oldID)
		}
		return s.insertToken(ctx, tx, t)
	})
	return wrap("replace token", err)
}

// TouchToken records the token's last use; it never moves it backwards.
func (s *db) TouchToken(ctx context.Context, id string, at time.Time) error {
	canonical, ok := canonicalID(id)
	if !ok {
		return nil
	}
	_, err := s.sql.ExecContext(ctx, s.q(`UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`),
		s.time(at), canonical, s.time(at))
	return wrap("touch token", err)
}
