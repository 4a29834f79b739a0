package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ServiceAccount is a machine identity of an organization with one role
// (owner, admin or viewer). It has a user of its own (UserID), whom its
// tokens authenticate, so a request made with one is the account's.
type ServiceAccount struct {
	ID          string
	OrgID       string
	UserID      string
	Name        string
	Description string
	Role        string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ServiceAccountToken is an API token of a service account, as it is
// listed: never its hash (Hash is set only to create one). Role is the
// account's.
type ServiceAccountToken struct {
	ID               string
	ServiceAccountID string
	OrgID            string
	Name             string
	Role             string
	Hash             []byte
	CreatedAt        time.Time
	ExpiresAt        time.Time
	LastUsedAt       time.Time
}

// ServiceAccountEmailDomain ends the email of every service account's
// user: .invalid is reserved (RFC 2606), so no person signs in with it.
const ServiceAccountEmailDomain = "@service-accounts.superplane.invalid"

// ServiceAccountStore is the part of Store that keeps service accounts and
// their tokens. The tokens are rows of the tokens table, so FindPrincipal
// authenticates them like any token, on every request.
type ServiceAccountStore interface {
	// CreateServiceAccount inserts a with a user of its own (a.UserID is
	// set here) and returns it. ErrConflict when the name is taken in the
	// organization; ErrNotFound when the organization does not exist.
	CreateServiceAccount(ctx context.Context, a ServiceAccount) (ServiceAccount, error)
	// FindServiceAccount returns the organization's account by id or name,
	// or ErrNotFound.
	FindServiceAccount(ctx context.Context, orgID, idOrName string) (ServiceAccount, error)
	// ListServiceAccounts returns the organization's accounts ordered by
	// name.
	ListServiceAccounts(ctx context.Context, orgID string) ([]ServiceAccount, error)
	// UpdateServiceAccount loads, lets fn change and writes back the
	// account in one transaction; its tokens take its new role in the same
	// transaction. fn must not call the store and cannot change ID, OrgID,
	// UserID, CreatedBy or CreatedAt. ErrNotFound, ErrConflict on a taken
	// name; fn's error aborts and is returned unchanged.
	UpdateServiceAccount(ctx context.Context, orgID, idOrName string, fn func(*ServiceAccount) error) (ServiceAccount, error)
	// DeleteServiceAccount deletes the account, its tokens and its user in
	// one transaction. ErrNotFound when missing.
	DeleteServiceAccount(ctx context.Context, orgID, idOrName string) error
	// CreateServiceAccountToken stores a token (its hash) of the account
	// t.ServiceAccountID with the account's role at that moment (t.Role is
	// ignored), and returns it without the hash. ErrNotFound when the
	// account is not in t.OrgID; ErrConflict when the hash or id is stored.
	CreateServiceAccountToken(ctx context.Context, t ServiceAccountToken) (ServiceAccountToken, error)
	// ListServiceAccountTokens returns the account's tokens, expired ones
	// included, by creation time and id, without their hashes.
	ListServiceAccountTokens(ctx context.Context, orgID, accountID string) ([]ServiceAccountToken, error)
	// FindServiceAccountToken returns the account's token with this id,
	// without its hash, or ErrNotFound.
	FindServiceAccountToken(ctx context.Context, orgID, accountID, tokenID string) (ServiceAccountToken, error)
	// DeleteServiceAccountToken deletes the account's token with this id,
	// so that it authenticates nothing from the next request on.
	// ErrNotFound when there is none.
	DeleteServiceAccountToken(ctx context.Context, orgID, accountID, tokenID string) error
}

const accountColumns = `a.id, a.org_id, a.user_id, a.name, a.description, a.role, a.created_by, a.created_at, a.updated_at`

func scanAccount(row rowScanner) (ServiceAccount, error) {
	var a ServiceAccount
	err := row.Scan(&a.ID, &a.OrgID, &a.UserID, &a.Name, &a.Description, &a.Role, &a.CreatedBy,
		timeColumn{&a.CreatedAt}, timeColumn{&a.UpdatedAt})
	return a, err
}

// serviceAccounts are found by id or name in their scope.
var serviceAccounts = named[ServiceAccount]{what: "service account", table: "service_accounts", alias: "a", sel: `SELECT ` + accountColumns + ` FROM service_accounts a`, scan: scanAccount}

// CreateServiceAccount inserts the account and its user in one
// transaction.
func (s *db) CreateServiceAccount(ctx context.Context, a ServiceAccount) (ServiceAccount, error) {
	id, ok := canonicalID(a.ID)
	if !ok {
		return ServiceAccount{}, fmt.Errorf("store: service account id %q is not a UUID", a.ID)
	}
	org, ok := canonicalID(a.OrgID)
	if !ok {
		return ServiceAccount{}, NotFound("organization %q not found", a.OrgID)
	}
	a.ID, a.OrgID, a.UserID = id, org, uuid.NewString()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The user's email is the account's id, not its name: a rename
		// then needs no change to the user, and the email stays unique.
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO users (id, org_id, email, created_at) VALUES (?, ?, ?, ?)`),
			a.UserID, org, id+ServiceAccountEmailDomain, s.time(a.CreatedAt))
		switch s.d.classify(err) {
		case foreignKeyViolation:
			return NotFound("organization %q not found", a.OrgID)
		case uniqueViolation, primaryKeyViolation:
			return Conflict("service account id %q already exists", a.ID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO service_accounts (id, org_id, user_id, name, description, role,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, org, a.UserID, a.Name, a.Description, a.Role, a.CreatedBy, s.time(a.CreatedAt), s.time(a.UpdatedAt))
		switch s.d.classify(err) {
		case uniqueViolation:
			return Conflict("service account name %q is already taken", a.Name)
		case primaryKeyViolation:
			return Conflict("service account id %q already exists", a.ID)
		}
		return err
	})
	if err != nil {
		return ServiceAccount{}, wrap("create service account", err)
	}
	return s.FindServiceAccount(ctx, org, id)
}

// findAccount looks the organization's account up in q; forUpdate locks
// its row until q's transaction ends.
func (s *db) findAccount(ctx context.Context, q querier, orgID, idOrName string, forUpdate bool) (ServiceAccount, error) {
	return serviceAccounts.find(ctx, s, q, orgScope(orgID), idOrName, forUpdate)
}

// FindServiceAccount returns the account by id or name, or ErrNotFound.
func (s *db) FindServiceAccount(ctx context.Context, orgID, idOrName string) (ServiceAccount, error) {
	a, err := s.findAccount(ctx, s.sql, orgID, idOrName, false)
	return a, wrap("find service account", err)
}

// ListServiceAccounts returns the organization's accounts ordered by name
// (byte order).
func (s *db) ListServiceAccounts(ctx context.Context, orgID string) ([]ServiceAccount, error) {
	org, ok := canonicalID(orgID)
	if !ok {
		return []ServiceAccount{}, nil
	}
	return queryAll(ctx, s, "list service accounts", `SELECT `+accountColumns+` FROM service_accounts a
		WHERE a.org_id = ? ORDER BY a.name`, scanAccount, org)
}

// UpdateServiceAccount changes the account and its tokens' role in one
// transaction; the row stays locked meanwhile, so a token created
// concurrently takes either the old role before the change or the new one.
func (s *db) UpdateServiceAccount(ctx context.Context, orgID, idOrName string, fn func(*ServiceAccount) error) (ServiceAccount, error) {
	var (
		out   ServiceAccount
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findAccount(ctx, tx, orgID, idOrName, true)
		if err != nil {
			return err
		}
		a := stored
		if fnErr = fn(&a); fnErr != nil {
			return fnErr
		}
		a.ID, a.OrgID, a.UserID, a.CreatedBy, a.CreatedAt = stored.ID, stored.OrgID, stored.UserID, stored.CreatedBy, stored.CreatedAt
		_, err = tx.ExecContext(ctx, s.q(`UPDATE service_accounts SET name = ?, description = ?, role = ?, updated_at = ? WHERE id = ?`),
			a.Name, a.Description, a.Role, s.time(a.UpdatedAt), a.ID)
		if s.d.classify(err) == uniqueViolation {
			return Conflict("service account name %q is already taken", a.Name)
		}
		if err != nil {
			return err
		}
		if a.Role != stored.Role {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE tokens SET role = ? WHERE service_account_id = ?`), a.Role, a.ID); err != nil {
				return err
			}
		}
		out, err = s.findAccount(ctx, tx, a.OrgID, a.ID, false)
		return err
	})
	if fnErr != nil {
		return ServiceAccount{}, fnErr
	}
	if err != nil {
		return ServiceAccount{}, wrap("update service account", err)
	}
	return out, nil
}

// DeleteServiceAccount deletes the account's tokens, the account and its
// user in one transaction: the tokens are deleted explicitly (the foreign
// key's cascade is the backstop), before the user they name.
func (s *db) DeleteServiceAccount(ctx context.Context, orgID, idOrName string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := s.findAccount(ctx, tx, orgID, idOrName, true)
		if err != nil {
			return err
		}
		for _, stmt := range []struct {
			query string
			arg   string
		}{
			{`DELETE FROM tokens WHERE service_account_id = ?`, a.ID},
			{`DELETE FROM tokens WHERE user_id = ?`, a.UserID},
			{`DELETE FROM service_accounts WHERE id = ?`, a.ID},
			{`DELETE FROM users WHERE id = ?`, a.UserID},
		} {
			if _, err := tx.ExecContext(ctx, s.q(stmt.query), stmt.arg); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("delete service account", err)
}

const accountTokenColumns = `t.id, t.service_account_id, t.org_id, t.name, t.role, t.created_at, t.expires_at, t.last_used_at`

func scanAccountToken(row rowScanner) (ServiceAccountToken, error) {
	var t ServiceAccountToken
	err := row.Scan(&t.ID, &t.ServiceAccountID, &t.OrgID, &t.Name, &t.Role, timeColumn{&t.CreatedAt},
		nullTimeColumn{&t.ExpiresAt}, nullTimeColumn{&t.LastUsedAt})
	return t, err
}

// CreateServiceAccountToken stores the token with the account's user and
// role, read under a lock on the account's row (an update of its role
// waits, and then changes this token too).
func (s *db) CreateServiceAccountToken(ctx context.Context, t ServiceAccountToken) (ServiceAccountToken, error) {
	id := uuid.NewString()
	if t.ID != "" {
		var ok bool
		if id, ok = canonicalID(t.ID); !ok {
			return ServiceAccountToken{}, fmt.Errorf("store: token id %q is not a UUID", t.ID)
		}
	}
	var out ServiceAccountToken
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := s.findAccount(ctx, tx, t.OrgID, t.ServiceAccountID, true)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO tokens (id, hash, user_id, org_id, role, created_at, expires_at,
			service_account_id, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, t.Hash, a.UserID, a.OrgID, a.Role, s.time(t.CreatedAt), s.nullTime(t.ExpiresAt), a.ID, t.Name)
		switch s.d.classify(err) {
		case primaryKeyViolation, uniqueViolation:
			return Conflict("token already exists")
		}
		if err != nil {
			return err
		}
		out, err = s.findAccountToken(ctx, tx, a.OrgID, a.ID, id)
		return err
	})
	if err != nil {
		return ServiceAccountToken{}, wrap("create service account token", err)
	}
	return out, nil
}

func (s *db) findAccountToken(ctx context.Context, q querier, orgID, accountID, tokenID string) (ServiceAccountToken, error) {
	org, okOrg := canonicalID(orgID)
	account, okAccount := canonicalID(accountID)
	id, okID := canonicalID(tokenID)
	if !okOrg || !okAccount || !okID {
		return ServiceAccountToken{}, NotFound("token %q not found", tokenID)
	}
	t, err := scanAccountToken(q.QueryRowContext(ctx, s.q(`SELECT `+accountTokenColumns+` FROM tokens t
		WHERE t.org_id = ? AND t.service_account_id = ? AND t.id = ?`), org, account, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ServiceAccountToken{}, NotFound("token %q not found", tokenID)
	}
	return t, err
}

// ListServiceAccountTokens returns the account's tokens without hashes.
func (s *db) ListServiceAccountTokens(ctx context.Context, orgID, accountID string) ([]ServiceAccountToken, error) {
	org, okOrg := canonicalID(orgID)
	account, okAccount := canonicalID(accountID)
	if !okOrg || !okAccount {
		return []ServiceAccountToken{}, nil
	}
	return queryAll(ctx, s, "list service account tokens", `SELECT `+accountTokenColumns+` FROM tokens t
		WHERE t.org_id = ? AND t.service_account_id = ? ORDER BY t.created_at, t.id`, scanAccountToken, org, account)
}

// FindServiceAccountToken returns one of the account's tokens without its
// hash.
func (s *db) FindServiceAccountToken(ctx context.Context, orgID, accountID, tokenID string) (ServiceAccountToken, error) {
	t, err := s.findAccountToken(ctx, s.sql, orgID, accountID, tokenID)
	return t, wrap("find service account token", err)
}

// DeleteServiceAccountToken deletes one of the account's tokens.
func (s *db) DeleteServiceAccountToken(ctx context.Context, orgID, accountID, tokenID string) error {
	org, okOrg := canonicalID(orgID)
	account, okAccount := canonicalID(accountID)
	id, okID := canonicalID(tokenID)
	if !okOrg || !okAccount || !okID {
		return NotFound("token %q not found", tokenID)
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE org_id = ? AND service_account_id = ? AND id = ?`), org, account, id)
	if err != nil {
		return wrap("delete service account token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("delete service account token", err)
	}
	if n == 0 {
		return NotFound("token %q not found", tokenID)
	}
	return nil
}
