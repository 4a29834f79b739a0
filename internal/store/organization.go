package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
)

// Organization is a tenant. Every other object belongs to exactly one.
type Organization struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// OrganizationStore is the part of Store that keeps organizations (tenants).
type OrganizationStore interface {
	// EnsureOrganization returns the organization with this name, creating it
	// when missing.
	EnsureOrganization(ctx context.Context, name string) (Organization, error)
}

// EnsureOrganization returns the organization with this name, creating it
// when missing. Concurrent calls agree: the insert does nothing when another
// caller won, and the select then reads the winner's row.
func (s *db) EnsureOrganization(ctx context.Context, name string) (Organization, error) {
	var o Organization
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`), uuid.NewString(), name, s.time(time.Now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q(`SELECT id, name, created_at FROM organizations WHERE name = ?`), name).
			Scan(&o.ID, &o.Name, timeColumn{&o.CreatedAt})
	})
	if err != nil {
		return Organization{}, wrap("ensure organization", err)
	}
	return o, nil
}
