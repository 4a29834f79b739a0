package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Secret is an encrypted bag of key/value pairs in a domain (the organization
// or one canvas). Ciphertext is the keyring's sealed blob of the JSON data
// map, with the secret's immutable ID as associated data.
type Secret struct {
	ID         string
	OrgID      string
	DomainType string // DomainOrganization or DomainCanvas
	DomainID   string // the organization id or the canvas id
	Name       string
	Provider   string   // PROVIDER_LOCAL
	Keys       []string // sorted key names (not secret), for listing without decryption
	KeyID      string   // id of the key-encryption key that wraps the data key
	Ciphertext []byte
	Version    int64 // starts at 1, increases on every change of the data
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SecretStore is the part of Store that keeps sealed secrets and answers
// who uses them.
type SecretStore interface {
	// CreateSecret inserts s. ErrConflict when the name is taken in the domain.
	CreateSecret(ctx context.Context, s Secret) error
	// FindSecret returns the secret by id or name in the domain, or ErrNotFound.
	FindSecret(ctx context.Context, orgID, domainType, domainID, idOrName string) (Secret, error)
	// FindSecretByID returns the secret with this id in the organization,
	// whatever its domain, or ErrNotFound.
	FindSecretByID(ctx context.Context, orgID, id string) (Secret, error)
	// ListSecrets returns the domain's secrets ordered by name, without
	// their sealed data (KeyID and Ciphertext empty): a list shows names
	// and keys, and leaving the ciphertext in the database keeps a list of
	// many secrets small in memory.
	ListSecrets(ctx context.Context, orgID, domainType, domainID string) ([]Secret, error)
	// ListSecretsPage is ListSecrets from the first name after page.After,
	// at most page.Limit of them: a keyset seek on the name index, as cheap deep
	// in a list of 100k as at its start.
	ListSecretsPage(ctx context.Context, orgID, domainType, domainID string, page Page) ([]Secret, error)
	// UpdateSecret loads the secret, lets fn change it and writes it back in
	// one transaction (no lost update). ErrNotFound when missing, ErrConflict
	// when fn renames it to a taken name; fn's error aborts.
	UpdateSecret(ctx context.Context, orgID, domainType, domainID, idOrName string, fn func(*Secret) error) (Secret, error)
	// DeleteSecret deletes the secret. ErrNotFound when missing; ErrConflict
	// naming every stage and integration that still uses it.
	DeleteSecret(ctx context.Context, orgID, domainType, domainID, idOrName string) error
	// StagesUsingSecret returns the stages whose spec reads keys of sec, as
	// the server resolves a stage's secret references (a reference without
	// a domain: the stage's canvas first, then the organization).
	StagesUsingSecret(ctx context.Context, sec Secret) ([]StageUse, error)
	// SecretsNotUnderKey returns up to limit secrets (of any organization)
	// whose KeyID differs from keyID, for key rotation.
	SecretsNotUnderKey(ctx context.Context, keyID string, limit int) ([]Secret, error)
	// RewrapSecret replaces the ciphertext of secret id with newCiphertext
	// under newKeyID, only if the stored ciphertext still equals
	// oldCiphertext (a concurrent write wins; the caller retries). It does
	// not change Version: the data is the same. Returns whether it replaced.
	RewrapSecret(ctx context.Context, id string, oldCiphertext, newCiphertext []byte, newKeyID string) (bool, error)
}

const secretColumns = `id, org_id, domain_type, domain_id, name, provider, keys, key_id, ciphertext, version, created_by, created_at, updated_at`

// secretListColumns is secretColumns without the sealed data (see
// ListSecrets).
const secretListColumns = `id, org_id, domain_type, domain_id, name, provider, keys, '', NULL, version, created_by, created_at, updated_at`

func scanSecret(row rowScanner) (Secret, error) {
	var sec Secret
	err := row.Scan(&sec.ID, &sec.OrgID, &sec.DomainType, &sec.DomainID, &sec.Name, &sec.Provider,
		keysColumn{&sec.Keys}, &sec.KeyID, &sec.Ciphertext, &sec.Version, &sec.CreatedBy,
		timeColumn{&sec.CreatedAt}, timeColumn{&sec.UpdatedAt})
	return sec, err
}

// secrets are found by id or name in their scope.
var secrets = named[Secret]{what: "secret", table: "secrets", sel: `SELECT ` + secretColumns + ` FROM secrets`, scan: scanSecret}

// CreateSecret inserts s. ErrConflict when the name is taken in the domain;
// ErrNotFound when the domain's canvas does not exist in the organization.
func (s *db) CreateSecret(ctx context.Context, sec Secret) error {
	id, ok := canonicalID(sec.ID)
	if !ok {
		return fmt.Errorf("store: secret id %q is not a UUID", sec.ID)
	}
	dom, ok := parseDomain(sec.OrgID, sec.DomainType, sec.DomainID)
	if !ok {
		return fmt.Errorf("store: invalid secret domain %s %q in organization %q", sec.DomainType, sec.DomainID, sec.OrgID)
	}
	keys, err := encodeKeys(sec.Keys)
	if err != nil {
		return wrap("create secret", err)
	}
	insert := `INSERT INTO secrets (` + secretColumns + `, canvas_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{id, dom.org, dom.typ, dom.id, sec.Name, sec.Provider, keys, sec.KeyID, sec.Ciphertext, sec.Version,
		sec.CreatedBy, s.time(sec.CreatedAt), s.time(sec.UpdatedAt), dom.canvasID()}
	// Concurrent creates share a transaction and its commit on SQLite
	// (writeBatcher); the request's audit record, when it has one, goes
	// into the same transaction (PendingAudit).
	pa := takePendingAudit(ctx, auditSecret)
	switch {
	case pa == nil:
		err = s.writes.do(ctx, s, func(ctx context.Context, q querier) error {
			_, err := q.ExecContext(ctx, s.q(insert), args...)
			return err
		})
	case s.d.oneWriter:
		err = s.writes.doTx(ctx, s, func(ctx context.Context, q querier) error {
			if _, err := q.ExecContext(ctx, s.q(insert), args...); err != nil {
				return err
			}
			return s.recordInTx(ctx, q, pa, id, sec.Name, domainCanvasID(dom))
		})
	default:
		// PostgreSQL: the record is a WITH clause of the INSERT, one
		// statement (one round trip, no begin and commit) that commits
		// both or neither.
		var audit string
		var auditArgs []any
		if audit, auditArgs, err = s.auditInsert(pa.event(id, sec.Name, domainCanvasID(dom))); err == nil {
			_, err = s.sql.ExecContext(ctx, s.q(`WITH audit AS (`+audit+`) `+insert), append(auditArgs, args...)...)
		}
	}
	pa.done(err)
	switch s.d.classify(err) {
	case uniqueViolation:
		return Conflict("secret name %q is already taken", sec.Name)
	case primaryKeyViolation:
		return Conflict("secret id %q already exists", sec.ID)
	case foreignKeyViolation:
		if dom.typ == DomainCanvas {
			return NotFound("canvas %q not found", sec.DomainID)
		}
		return NotFound("organization %q not found", sec.OrgID)
	}
	return wrap("create secret", err)
}

// findSecret looks the secret up in q; forUpdate locks its row until q's
// transaction ends.
func (s *db) findSecret(ctx context.Context, q querier, orgID, domainType, domainID, idOrName string, forUpdate bool) (Secret, error) {
	return secrets.find(ctx, s, q, domainScope(orgID, domainType, domainID), idOrName, forUpdate)
}

// FindSecret returns the secret by id or name in the domain, or ErrNotFound.
func (s *db) FindSecret(ctx context.Context, orgID, domainType, domainID, idOrName string) (Secret, error) {
	sec, err := s.findSecret(ctx, s.sql, orgID, domainType, domainID, idOrName, false)
	if err != nil {
		return Secret{}, wrap("find secret", err)
	}
	return sec, nil
}

// FindSecretByID returns the secret with this id in the organization.
func (s *db) FindSecretByID(ctx context.Context, orgID, id string) (Secret, error) {
	org, ok1 := canonicalID(orgID)
	sid, ok2 := canonicalID(id)
	if !ok1 || !ok2 {
		return Secret{}, NotFound("secret %q not found", id)
	}
	sec, err := scanSecret(s.sql.QueryRowContext(ctx, s.q(`SELECT `+secretColumns+` FROM secrets WHERE org_id = ? AND id = ?`), org, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return Secret{}, NotFound("secret %q not found", id)
	}
	return sec, wrap("find secret", err)
}

// ListSecrets returns the domain's secrets ordered by name.
func (s *db) ListSecrets(ctx context.Context, orgID, domainType, domainID string) ([]Secret, error) {
	dom, ok := parseDomain(orgID, domainType, domainID)
	if !ok {
		return []Secret{}, nil
	}
	return s.querySecrets(ctx, "list secrets", `SELECT `+secretListColumns+` FROM secrets
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? ORDER BY name`, dom.org, dom.typ, dom.id)
}

// ListSecretsPage returns at most page.Limit secrets of the domain named
// after page.After, ordered by name, without their sealed data.
func (s *db) ListSecretsPage(ctx context.Context, orgID, domainType, domainID string, page Page) ([]Secret, error) {
	dom, ok := parseDomain(orgID, domainType, domainID)
	if !ok || page.Limit < 1 {
		return []Secret{}, nil
	}
	return s.querySecrets(ctx, "list secrets", `SELECT `+secretListColumns+` FROM secrets
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name > ? ORDER BY name LIMIT ?`,
		dom.org, dom.typ, dom.id, page.After, page.Limit)
}

func (s *db) querySecrets(ctx context.Context, op, query string, args ...any) ([]Secret, error) {
	return queryAll(ctx, s, op, query, scanSecret, args...)
}

// UpdateSecret loads the secret, lets fn change it and writes it back in one
// transaction; the row stays locked meanwhile, so concurrent updates queue
// instead of losing each other's writes. fn cannot move the secret: ID,
// OrgID, DomainType, DomainID, CreatedBy and CreatedAt keep their stored
// values. ErrNotFound when missing, ErrConflict when fn renames it to a taken
// name; fn's error aborts and is returned unchanged.
func (s *db) UpdateSecret(ctx context.Context, orgID, domainType, domainID, idOrName string, fn func(*Secret) error) (Secret, error) {
	var (
		out   Secret
		fnErr error
	)
	pa := takePendingAudit(ctx, auditSecret)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findSecret(ctx, tx, orgID, domainType, domainID, idOrName, true)
		if err != nil {
			return err
		}
		sec := stored
		sec.Keys = append([]string(nil), stored.Keys...)
		sec.Ciphertext = append([]byte(nil), stored.Ciphertext...)
		if fnErr = fn(&sec); fnErr != nil {
			return fnErr
		}
		sec.ID, sec.OrgID, sec.DomainType, sec.DomainID = stored.ID, stored.OrgID, stored.DomainType, stored.DomainID
		sec.CreatedBy, sec.CreatedAt = stored.CreatedBy, stored.CreatedAt
		sec.UpdatedAt = sec.UpdatedAt.UTC().Truncate(time.Microsecond)
		if sec.Keys == nil {
			sec.Keys = []string{}
		}
		keys, err := encodeKeys(sec.Keys)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE secrets SET name = ?, provider = ?, keys = ?, key_id = ?, ciphertext = ?,
			version = ?, updated_at = ? WHERE id = ?`),
			sec.Name, sec.Provider, keys, sec.KeyID, sec.Ciphertext, sec.Version, s.time(sec.UpdatedAt), sec.ID)
		if s.d.classify(err) == uniqueViolation {
			return Conflict("secret name %q is already taken", sec.Name)
		}
		if err != nil {
			return err
		}
		out = sec
		return s.recordInTx(ctx, tx, pa, sec.ID, sec.Name, secretCanvasID(sec))
	})
	pa.done(err)
	if fnErr != nil {
		return Secret{}, fnErr
	}
	if err != nil {
		return Secret{}, wrap("update secret", err)
	}
	return out, nil
}

// DeleteSecret deletes the secret. ErrNotFound when missing; ErrConflict
// naming every stage and integration that still uses it. The users are
// found in the same transaction as the delete, with the secret's row
// locked, and the integrations' foreign key is a backstop.
func (s *db) DeleteSecret(ctx context.Context, orgID, domainType, domainID, idOrName string) error {
	pa := takePendingAudit(ctx, auditSecret)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		sec, err := s.findSecret(ctx, tx, orgID, domainType, domainID, idOrName, true)
		if err != nil {
			return err
		}
		users, err := s.secretUsers(ctx, tx, sec)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return inUseError("secret", sec.Name, users)
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM secrets WHERE id = ?`), sec.ID)
		if s.d.classify(err) == foreignKeyViolation {
			return Conflict("secret %q is in use", sec.Name)
		}
		if err != nil {
			return err
		}
		return s.recordInTx(ctx, tx, pa, sec.ID, sec.Name, secretCanvasID(sec))
	})
	pa.done(err)
	return wrap("delete secret", err)
}

// secretUsers names, for an error message, the stages and integrations that
// use the secret: `stage "deploy" (canvas "prod")`, `integration "github"`
// (an organization integration) or `integration "github" (canvas "prod")`.
func (s *db) secretUsers(ctx context.Context, q querier, sec Secret) ([]string, error) {
	var users []string
	dom, ok := parseDomain(sec.OrgID, sec.DomainType, sec.DomainID)
	if ok {
		stages, err := s.stagesUsing(ctx, q, refSecret, dom, sec.Name)
		if err != nil {
			return nil, err
		}
		for _, u := range stages {
			users = append(users, u.String())
		}
	}
	rows, err := q.QueryContext(ctx, s.q(`SELECT i.name, COALESCE(c.name, '') FROM integrations i
		LEFT JOIN canvases c ON c.id = i.canvas_id WHERE i.secret_id = ? ORDER BY c.name, i.name`), sec.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, canvas string
		if err := rows.Scan(&name, &canvas); err != nil {
			return nil, err
		}
		if canvas == "" {
			users = append(users, fmt.Sprintf("integration %q", name))
		} else {
			users = append(users, fmt.Sprintf("integration %q (canvas %q)", name, canvas))
		}
	}
	return users, rows.Err()
}

// SecretsNotUnderKey returns up to limit secrets of any organization whose
// KeyID differs from keyID, in id order.
func (s *db) SecretsNotUnderKey(ctx context.Context, keyID string, limit int) ([]Secret, error) {
	if limit <= 0 {
		return []Secret{}, nil
	}
	return s.querySecrets(ctx, "list secrets to rewrap", `SELECT `+secretColumns+` FROM secrets
		WHERE key_id <> ? ORDER BY id LIMIT ?`, keyID, limit)
}

// RewrapSecret replaces the ciphertext and key id of secret id only if the
// stored ciphertext still equals oldCiphertext. Version and UpdatedAt stay:
// the data is the same.
func (s *db) RewrapSecret(ctx context.Context, id string, oldCiphertext, newCiphertext []byte, newKeyID string) (bool, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return false, nil
	}
	res, err := s.sql.ExecContext(ctx, s.q(`UPDATE secrets SET ciphertext = ?, key_id = ? WHERE id = ? AND ciphertext = ?`),
		newCiphertext, newKeyID, canonical, oldCiphertext)
	if err != nil {
		return false, wrap("rewrap secret", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("rewrap secret", err)
	}
	return n == 1, nil
}

// keysColumn scans the JSON array of a secret's key names.
type keysColumn struct{ keys *[]string }

func (c keysColumn) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("cannot scan %T into secret keys", src)
	}
	keys := []string{}
	if err := json.Unmarshal(text, &keys); err != nil {
		return err
	}
	*c.keys = keys
	return nil
}

func encodeKeys(keys []string) (string, error) {
	if keys == nil {
		keys = []string{}
	}
	b, err := json.Marshal(keys)
	return string(b), err
}

// domainCanvasID is the canvas of a domain, "" for the organization's.
func domainCanvasID(d domain) string {
	if d.typ == DomainCanvas {
		return d.id
	}
	return ""
}

// secretCanvasID is the canvas a secret belongs to, "" for the
// organization's.
func secretCanvasID(sec Secret) string {
	if sec.DomainType == DomainCanvas {
		return sec.DomainID
	}
	return ""
}
