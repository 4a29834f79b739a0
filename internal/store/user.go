package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
)

// User is a member of one organization.
type User struct {
	ID        string
	OrgID     string
	Email     string
	CreatedAt time.Time
}

// UserStore is the part of Store that keeps the members of organizations.
type UserStore interface {
	// EnsureUser returns the user with this email in the organization,
	// creating it when missing.
	EnsureUser(ctx context.Context, orgID, email string) (User, error)
}

// EnsureUser returns the user with this email in the organization, creating
// it when missing. ErrNotFound when the organization does not exist.
func (s *db) EnsureUser(ctx context.Context, orgID, email string) (User, error) {
	org, ok := canonicalID(orgID)
	if !ok {
		return User{}, NotFound("organization %q not found", orgID)
	}
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO users (id, org_id, email, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, email) DO NOTHING`), uuid.NewString(), org, email, s.time(time.Now())); err != nil {
			if s.d.classify(err) == foreignKeyViolation {
				return NotFound("organization %q not found", orgID)
			}
			return err
		}
		return tx.QueryRowContext(ctx, s.q(`SELECT id, org_id, email, created_at FROM users WHERE org_id = ? AND email = ?`), org, email).
			Scan(&u.ID, &u.OrgID, &u.Email, timeColumn{&u.CreatedAt})
	})
	if err != nil {
		return User{}, wrap("ensure user", err)
	}
	return u, nil
}
