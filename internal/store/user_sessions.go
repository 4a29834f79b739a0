package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// noID stands for "no session" where a statement compares ids: PostgreSQL
// refuses an empty string as a uuid.
const noID = "00000000-0000-0000-0000-000000000000"

// ListUserSessions returns the user's live console sessions and CLI
// sign-ins, newest first.
func (s *db) ListUserSessions(ctx context.Context, orgID, userID string) ([]UserSession, error) {
	org, okOrg := canonicalID(orgID)
	user, okUser := canonicalID(userID)
	out := []UserSession{}
	if !okOrg || !okUser {
		return out, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT cs.id, 'console', cs.token_id, t.session_kind, cs.auth_provider, cs.created_at, cs.last_seen_at, cs.expires_at
		FROM console_sessions cs JOIN tokens t ON t.id = cs.token_id
		WHERE t.org_id = ? AND t.user_id = ? AND cs.revoked_at IS NULL
		UNION ALL
		SELECT t.id, 'cli', t.id, t.session_kind, '', t.created_at, t.last_used_at, t.expires_at
		FROM tokens t
		WHERE t.org_id = ? AND t.user_id = ? AND t.session_kind = ?
		ORDER BY 6 DESC, 1`), org, user, org, user, SessionCLI)
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var us UserSession
		if err := rows.Scan(&us.ID, &us.Kind, &us.TokenID, &us.TokenKind, &us.AuthProvider, timeColumn{&us.CreatedAt},
			nullTimeColumn{&us.LastSeenAt}, nullTimeColumn{&us.ExpiresAt}); err != nil {
			return nil, wrap("list sessions", err)
		}
		out = append(out, us)
	}
	return out, wrap("list sessions", rows.Err())
}

// RevokeUserSession ends one of the user's sessions.
func (s *db) RevokeUserSession(ctx context.Context, orgID, userID, id string, at time.Time) error {
	org, okOrg := canonicalID(orgID)
	user, okUser := canonicalID(userID)
	canonical, ok := canonicalID(id)
	if !okOrg || !okUser || !ok {
		return NotFound("session %q not found", id)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var found string
		err := tx.QueryRowContext(ctx, s.q(`SELECT cs.id FROM console_sessions cs JOIN tokens t ON t.id = cs.token_id
			WHERE cs.id = ? AND t.org_id = ? AND t.user_id = ? AND cs.revoked_at IS NULL`), canonical, org, user).Scan(&found)
		switch {
		case err == nil:
			return s.endSession(ctx, tx, canonical, at)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE id = ? AND org_id = ? AND user_id = ? AND session_kind = ?`),
			canonical, org, user, SessionCLI)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return NotFound("session %q not found", id)
		}
		return nil
	})
	return wrap("revoke session", err)
}

// RevokeUserSessions ends every session of the user but keep, in one
// transaction: console sessions are marked revoked and the tokens minted
// for them deleted, CLI sign-ins' tokens deleted.
func (s *db) RevokeUserSessions(ctx context.Context, orgID, userID, keep string, at time.Time) (int, error) {
	org, okOrg := canonicalID(orgID)
	user, okUser := canonicalID(userID)
	if !okOrg || !okUser {
		return 0, nil
	}
	if k, ok := canonicalID(keep); ok {
		keep = k
	} else {
		keep = noID
	}
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE console_sessions SET revoked_at = ?
			WHERE revoked_at IS NULL AND id <> ? AND token_id IN (SELECT id FROM tokens WHERE org_id = ? AND user_id = ?)`),
			s.time(at), keep, org, user)
		if err != nil {
			return err
		}
		consoles, err := res.RowsAffected()
		if err != nil {
			return err
		}
		// The tokens minted for the sessions just ended; the kept
		// session's token stays.
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE org_id = ? AND user_id = ? AND session_kind = ?
			AND id NOT IN (SELECT token_id FROM console_sessions WHERE id = ?)`), org, user, SessionConsole, keep); err != nil {
			return err
		}
		// keep is a CLI sign-in's token id, or a console session's id
		// whose token may be a CLI sign-in's pasted into the console:
		// either stays.
		res, err = tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE org_id = ? AND user_id = ? AND session_kind = ? AND id <> ?
			AND id NOT IN (SELECT token_id FROM console_sessions WHERE id = ?)`),
			org, user, SessionCLI, keep, keep)
		if err != nil {
			return err
		}
		clis, err := res.RowsAffected()
		if err != nil {
			return err
		}
		n = int(consoles + clis)
		return nil
	})
	return n, wrap("revoke sessions", err)
}
