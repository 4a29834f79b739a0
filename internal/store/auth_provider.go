package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// AuthProvider is a way to sign in to an organization (GitHub, Microsoft
// Entra ID, Google, Backstage, guest). Config is its settings as JSON
// (package api's shape, which the store does not read), never a secret:
// a write-only client secret or private key is sealed in Ciphertext under
// the key KeyID.
type AuthProvider struct {
	ID         string
	OrgID      string
	Name       string
	Type       string
	Config     []byte
	KeyID      string
	Ciphertext []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// OrgName is the organization's name (ListAuthProviders only).
	OrgName string
}

// SignInIdentity is who an auth provider says signed in.
type SignInIdentity struct {
	ProviderID string
	OrgID      string
	Subject    string
	// Email is the verified email ("" when the provider gave none that is
	// verified); Name stands for the user when there is no email.
	Email string
	Name  string
	// Role is given to a user first seen through this provider.
	Role string
	At   time.Time
}

// SignInCode is a one-time code of the CLI's browser sign-in; only its
// hash is stored.
type SignInCode struct {
	Hash      []byte
	OrgID     string
	UserID    string
	Role      string
	Challenge string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuthProviderStore is the part of Store that keeps auth providers, the
// identities signed in through them and the CLI's one-time codes.
type AuthProviderStore interface {
	// CreateAuthProvider inserts p. ErrConflict when the name is taken.
	CreateAuthProvider(ctx context.Context, p AuthProvider) (AuthProvider, error)
	// FindAuthProvider returns the organization's provider by id or name.
	FindAuthProvider(ctx context.Context, orgID, idOrName string) (AuthProvider, error)
	// ListAuthProviders returns the organization's providers by name, or
	// every organization's (by organization name, then name) when orgID is
	// empty.
	ListAuthProviders(ctx context.Context, orgID string) ([]AuthProvider, error)
	// UpdateAuthProvider loads, lets fn change and writes back the provider
	// in one transaction; fn cannot change ID, OrgID, Type or CreatedAt.
	UpdateAuthProvider(ctx context.Context, orgID, idOrName string, fn func(*AuthProvider) error) (AuthProvider, error)
	// DeleteAuthProvider deletes the provider and its identities (not the
	// users). ErrNotFound when missing.
	DeleteAuthProvider(ctx context.Context, orgID, idOrName string) error
	// SignInUser finds the user of an identity in one transaction: by
	// (provider, subject) first, then by verified email, else a new user;
	// a user found by email or new gets the identity with id.Role. It
	// returns the user and the identity's role.
	SignInUser(ctx context.Context, id SignInIdentity) (User, string, error)
	// CreateSignInCode stores a one-time code.
	CreateSignInCode(ctx context.Context, c SignInCode) error
	// TakeSignInCode deletes the code with this hash and returns it, or
	// ErrNotFound: a code is taken once.
	TakeSignInCode(ctx context.Context, hash []byte) (SignInCode, error)
}

const authProviderColumns = `p.id, p.org_id, p.name, p.type, p.config, p.key_id, p.ciphertext, p.created_at, p.updated_at`

func scanAuthProvider(row rowScanner) (AuthProvider, error) {
	var p AuthProvider
	err := row.Scan(&p.ID, &p.OrgID, &p.Name, &p.Type, blobColumn{&p.Config}, &p.KeyID, blobColumn{&p.Ciphertext},
		timeColumn{&p.CreatedAt}, timeColumn{&p.UpdatedAt})
	return p, err
}

// authProviders are found by id or name in their scope.
var authProviders = named[AuthProvider]{what: "auth provider", table: "auth_providers", alias: "p", sel: `SELECT ` + authProviderColumns + ` FROM auth_providers p`, scan: scanAuthProvider}

// CreateAuthProvider inserts the provider.
func (s *db) CreateAuthProvider(ctx context.Context, p AuthProvider) (AuthProvider, error) {
	id, ok := canonicalID(p.ID)
	if !ok {
		return AuthProvider{}, fmt.Errorf("store: auth provider id %q is not a UUID", p.ID)
	}
	org, ok := canonicalID(p.OrgID)
	if !ok {
		return AuthProvider{}, NotFound("organization %q not found", p.OrgID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO auth_providers (id, org_id, name, type, config, key_id, ciphertext, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, org, p.Name, p.Type, nullBlob(p.Config), p.KeyID, nullBlob(p.Ciphertext), s.time(p.CreatedAt), s.time(p.UpdatedAt))
	switch s.d.classify(err) {
	case uniqueViolation:
		return AuthProvider{}, Conflict("auth provider name %q is already taken", p.Name)
	case primaryKeyViolation:
		return AuthProvider{}, Conflict("auth provider id %q already exists", p.ID)
	case foreignKeyViolation:
		return AuthProvider{}, NotFound("organization %q not found", p.OrgID)
	}
	if err != nil {
		return AuthProvider{}, wrap("create auth provider", err)
	}
	return s.FindAuthProvider(ctx, org, id)
}

func (s *db) findAuthProvider(ctx context.Context, q querier, orgID, idOrName string, forUpdate bool) (AuthProvider, error) {
	return authProviders.find(ctx, s, q, orgScope(orgID), idOrName, forUpdate)
}

// FindAuthProvider returns the provider by id or name, or ErrNotFound.
func (s *db) FindAuthProvider(ctx context.Context, orgID, idOrName string) (AuthProvider, error) {
	p, err := s.findAuthProvider(ctx, s.sql, orgID, idOrName, false)
	return p, wrap("find auth provider", err)
}

// ListAuthProviders returns one organization's providers, or everyone's.
func (s *db) ListAuthProviders(ctx context.Context, orgID string) ([]AuthProvider, error) {
	scan := func(row rowScanner) (AuthProvider, error) {
		var p AuthProvider
		err := row.Scan(&p.ID, &p.OrgID, &p.Name, &p.Type, blobColumn{&p.Config}, &p.KeyID, blobColumn{&p.Ciphertext},
			timeColumn{&p.CreatedAt}, timeColumn{&p.UpdatedAt}, &p.OrgName)
		return p, err
	}
	query := `SELECT ` + authProviderColumns + `, o.name FROM auth_providers p JOIN organizations o ON o.id = p.org_id`
	if orgID == "" {
		return queryAll(ctx, s, "list auth providers", query+` ORDER BY o.name, p.name`, scan)
	}
	org, ok := canonicalID(orgID)
	if !ok {
		return []AuthProvider{}, nil
	}
	return queryAll(ctx, s, "list auth providers", query+` WHERE p.org_id = ? ORDER BY p.name`, scan, org)
}

// UpdateAuthProvider changes the provider in one transaction.
func (s *db) UpdateAuthProvider(ctx context.Context, orgID, idOrName string, fn func(*AuthProvider) error) (AuthProvider, error) {
	var (
		out   AuthProvider
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findAuthProvider(ctx, tx, orgID, idOrName, true)
		if err != nil {
			return err
		}
		p := stored
		if fnErr = fn(&p); fnErr != nil {
			return fnErr
		}
		p.ID, p.OrgID, p.Type, p.CreatedAt = stored.ID, stored.OrgID, stored.Type, stored.CreatedAt
		_, err = tx.ExecContext(ctx, s.q(`UPDATE auth_providers SET name = ?, config = ?, key_id = ?, ciphertext = ?, updated_at = ? WHERE id = ?`),
			p.Name, nullBlob(p.Config), p.KeyID, nullBlob(p.Ciphertext), s.time(p.UpdatedAt), p.ID)
		if s.d.classify(err) == uniqueViolation {
			return Conflict("auth provider name %q is already taken", p.Name)
		}
		out = p
		return err
	})
	if fnErr != nil {
		return AuthProvider{}, fnErr
	}
	return out, wrap("update auth provider", err)
}

// DeleteAuthProvider deletes the provider; its identities go with it.
func (s *db) DeleteAuthProvider(ctx context.Context, orgID, idOrName string) error {
	return authProviders.delete(ctx, s, s.sql, orgScope(orgID), idOrName)
}

// SignInUser matches or provisions the user of an identity.
func (s *db) SignInUser(ctx context.Context, id SignInIdentity) (User, string, error) {
	provider, okP := canonicalID(id.ProviderID)
	org, okO := canonicalID(id.OrgID)
	if !okP || !okO {
		return User{}, "", NotFound("auth provider %q not found", id.ProviderID)
	}
	var (
		u    User
		role string
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`SELECT u.id, u.org_id, u.email, u.created_at, i.role FROM user_identities i
			JOIN users u ON u.id = i.user_id AND u.org_id = i.org_id
			WHERE i.provider_id = ? AND i.subject = ?`), provider, id.Subject).
			Scan(&u.ID, &u.OrgID, &u.Email, timeColumn{&u.CreatedAt}, &role)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Not seen through this provider: the user with the verified email,
		// or a new one. Without an email the name stands for the user
		// (Backstage's entity reference), prefixed by the provider's id so
		// that it can never be another provider's user.
		email := id.Email
		if email == "" {
			email = id.Name + "@" + provider + ".superplane.invalid"
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO users (id, org_id, email, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, email) DO NOTHING`), uuid.NewString(), org, email, s.time(id.At)); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q(`SELECT id, org_id, email, created_at FROM users WHERE org_id = ? AND email = ?`), org, email).
			Scan(&u.ID, &u.OrgID, &u.Email, timeColumn{&u.CreatedAt}); err != nil {
			return err
		}
		role = id.Role
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO user_identities (provider_id, subject, org_id, user_id, role, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			provider, id.Subject, org, u.ID, role, s.time(id.At))
		if s.d.classify(err) == foreignKeyViolation {
			return NotFound("auth provider %q not found", id.ProviderID)
		}
		return err
	})
	if err != nil {
		return User{}, "", wrap("sign in user", err)
	}
	return u, role, nil
}

// CreateSignInCode stores a one-time code's hash.
func (s *db) CreateSignInCode(ctx context.Context, c SignInCode) error {
	org, okO := canonicalID(c.OrgID)
	user, okU := canonicalID(c.UserID)
	if !okO || !okU {
		return NotFound("user %q not found", c.UserID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO signin_codes (hash, org_id, user_id, role, challenge, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), c.Hash, org, user, c.Role, c.Challenge, s.time(c.CreatedAt), s.time(c.ExpiresAt))
	switch s.d.classify(err) {
	case primaryKeyViolation, uniqueViolation:
		return Conflict("sign-in code already exists")
	case foreignKeyViolation:
		return NotFound("user %q not found", c.UserID)
	}
	return wrap("create sign-in code", err)
}

// TakeSignInCode deletes and returns the code: of two concurrent takes,
// one gets it.
func (s *db) TakeSignInCode(ctx context.Context, hash []byte) (SignInCode, error) {
	c := SignInCode{Hash: hash}
	err := s.sql.QueryRowContext(ctx, s.q(`DELETE FROM signin_codes WHERE hash = ?
		RETURNING org_id, user_id, role, challenge, created_at, expires_at`), hash).
		Scan(&c.OrgID, &c.UserID, &c.Role, &c.Challenge, timeColumn{&c.CreatedAt}, timeColumn{&c.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return SignInCode{}, NotFound("sign-in code not found")
	}
	if err != nil {
		return SignInCode{}, wrap("take sign-in code", err)
	}
	return c, nil
}
