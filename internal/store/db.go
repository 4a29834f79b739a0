package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
)

// db implements Store over database/sql for both dialects.
type db struct {
	sql *sql.DB
	d   dialect
	// events groups concurrent InsertEvent calls into shared transactions.
	events eventBatcher
	// writes does the same for independent single-statement writes
	// (CreateSecret).
	writes writeBatcher
	// locks are TryLock's locks on SQLite (name -> *sync.Mutex).
	locks sync.Map
}

var _ Store = (*db)(nil)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q rebinds a query written with "?" placeholders for the dialect.
func (s *db) q(query string) string { return s.d.rebind(query) }

// time encodes t as stored: UTC, truncated to microseconds (PostgreSQL's
// precision), so what is read back equals what was written.
func (s *db) time(t time.Time) any {
	return s.d.encodeTime(t.UTC().Truncate(time.Microsecond))
}

// inTx runs fn in a transaction, committed when fn returns nil. fn's error is
// returned as is.
func (s *db) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// Deferred so that a panic in a caller's update function still releases
	// the transaction (with SQLite, the database-wide write lock). After a
	// commit it is a no-op.
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// canonicalID returns s when it is a UUID in canonical form (lower case,
// 36 characters), or false. Only that form is an id: another spelling of a
// UUID (32 hex digits, upper case, braces, "urn:uuid:") is not, so that an
// idOrName argument means exactly one thing. PostgreSQL's uuid columns
// refuse a non-UUID with an error, so lookups answer "not found" for one
// before asking the database.
func canonicalID(s string) (string, bool) {
	id, err := uuid.Parse(s)
	if err != nil || s != id.String() {
		return "", false
	}
	return s, true
}

// lookup picks the column an idOrName argument matches: id for a canonical
// UUID, name otherwise. Names are never UUIDs (the server refuses them), so
// any other spelling of a UUID finds nothing rather than another object.
func lookup(idOrName string) (column, value string) {
	if id, ok := canonicalID(idOrName); ok {
		return "id", id
	}
	return "name", idOrName
}

// wrap adds the operation to an unexpected error; store errors already carry
// a user-facing message and pass through.
func wrap(op string, err error) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// timeColumn scans a stored time: time.Time from PostgreSQL, text from
// SQLite.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return err
	}
	*c.t = t.UTC()
	return nil
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

// Close releases the database.
func (s *db) Close() error { return s.sql.Close() }

// Ping checks the database answers.
func (s *db) Ping(ctx context.Context) error { return wrap("ping", s.sql.PingContext(ctx)) }

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

const canvasColumns = `id, org_id, name, description, created_by, created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanCanvas(row rowScanner) (Canvas, error) {
	var c Canvas
	err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Description, &c.CreatedBy,
		timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
	return c, err
}

// CreateCanvas inserts c. ErrConflict when the name is taken in the
// organization; ErrNotFound when the organization does not exist.
func (s *db) CreateCanvas(ctx context.Context, c Canvas) error {
	id, ok := canonicalID(c.ID)
	if !ok {
		return fmt.Errorf("store: canvas id %q is not a UUID", c.ID)
	}
	org, ok := canonicalID(c.OrgID)
	if !ok {
		return NotFound("organization %q not found", c.OrgID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO canvases (`+canvasColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		id, org, c.Name, c.Description, c.CreatedBy, s.time(c.CreatedAt), s.time(c.UpdatedAt))
	switch s.d.classify(err) {
	case uniqueViolation:
		return Conflict("canvas name %q is already taken", c.Name)
	case primaryKeyViolation:
		return Conflict("canvas id %q already exists", c.ID)
	case foreignKeyViolation:
		return NotFound("organization %q not found", c.OrgID)
	}
	return wrap("create canvas", err)
}

// findCanvas looks the canvas up in q; forUpdate locks its row until q's
// transaction ends.
func (s *db) findCanvas(ctx context.Context, q querier, orgID, idOrName string, forUpdate bool) (Canvas, error) {
	org, ok := canonicalID(orgID)
	if !ok {
		return Canvas{}, NotFound("canvas %q not found", idOrName)
	}
	column, value := lookup(idOrName)
	query := `SELECT ` + canvasColumns + ` FROM canvases WHERE org_id = ? AND ` + column + ` = ?`
	if forUpdate {
		query += s.d.forUpdate
	}
	c, err := scanCanvas(q.QueryRowContext(ctx, s.q(query), org, value))
	if errors.Is(err, sql.ErrNoRows) {
		return Canvas{}, NotFound("canvas %q not found", idOrName)
	}
	return c, err
}

// FindCanvas returns the canvas by id or name, or ErrNotFound.
func (s *db) FindCanvas(ctx context.Context, orgID, idOrName string) (Canvas, error) {
	c, err := s.findCanvas(ctx, s.sql, orgID, idOrName, false)
	if err != nil {
		return Canvas{}, wrap("find canvas", err)
	}
	return c, nil
}

// ListCanvases returns the organization's canvases ordered by name.
func (s *db) ListCanvases(ctx context.Context, orgID string) ([]Canvas, error) {
	canvases := []Canvas{}
	org, ok := canonicalID(orgID)
	if !ok {
		return canvases, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT `+canvasColumns+` FROM canvases WHERE org_id = ? ORDER BY name`), org)
	if err != nil {
		return nil, wrap("list canvases", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCanvas(rows)
		if err != nil {
			return nil, wrap("list canvases", err)
		}
		canvases = append(canvases, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list canvases", err)
	}
	return canvases, nil
}

// UpdateCanvas loads the canvas, lets fn change it and writes it back, in one
// transaction. fn cannot move the canvas: ID, OrgID, CreatedBy and CreatedAt
// keep their stored values. ErrNotFound when missing, ErrConflict when fn
// renames it to a taken name; fn's error aborts and is returned unchanged.
func (s *db) UpdateCanvas(ctx context.Context, orgID, idOrName string, fn func(*Canvas) error) (Canvas, error) {
	var (
		out   Canvas
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findCanvas(ctx, tx, orgID, idOrName, true)
		if err != nil {
			return err
		}
		c := stored
		if fnErr = fn(&c); fnErr != nil {
			return fnErr
		}
		c.ID, c.OrgID, c.CreatedBy, c.CreatedAt = stored.ID, stored.OrgID, stored.CreatedBy, stored.CreatedAt
		c.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Microsecond)
		_, err = tx.ExecContext(ctx, s.q(`UPDATE canvases SET name = ?, description = ?, updated_at = ? WHERE id = ?`),
			c.Name, c.Description, s.time(c.UpdatedAt), c.ID)
		if s.d.classify(err) == uniqueViolation {
			return Conflict("canvas name %q is already taken", c.Name)
		}
		out = c
		return err
	})
	if fnErr != nil {
		return Canvas{}, fnErr
	}
	if err != nil {
		return Canvas{}, wrap("update canvas", err)
	}
	return out, nil
}

// DeleteCanvas deletes the canvas; the foreign key from secrets deletes its
// secrets in the same statement. ErrNotFound when missing.
func (s *db) DeleteCanvas(ctx context.Context, orgID, idOrName string) error {
	org, ok := canonicalID(orgID)
	if !ok {
		return NotFound("canvas %q not found", idOrName)
	}
	column, value := lookup(idOrName)
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM canvases WHERE org_id = ? AND `+column+` = ?`), org, value)
	if err != nil {
		return wrap("delete canvas", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("delete canvas", err)
	} else if n == 0 {
		return NotFound("canvas %q not found", idOrName)
	}
	return nil
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

// domain is a secret's scope in canonical form.
type domain struct {
	org, typ, id string
}

// parseDomain validates a secret's scope. An organization secret's domain is
// the organization itself; a canvas secret's is the canvas id.
func parseDomain(orgID, domainType, domainID string) (domain, bool) {
	org, okOrg := canonicalID(orgID)
	id, okID := canonicalID(domainID)
	if !okOrg || !okID {
		return domain{}, false
	}
	switch domainType {
	case DomainOrganization:
		return domain{org, domainType, id}, id == org
	case DomainCanvas:
		return domain{org, domainType, id}, true
	}
	return domain{}, false
}

// canvasID is the value of the secrets.canvas_id column.
func (d domain) canvasID() any {
	if d.typ == DomainCanvas {
		return d.id
	}
	return nil
}

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
	// Concurrent creates share a transaction and its commit (writeBatcher).
	err = s.writes.do(ctx, s, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO secrets (`+secretColumns+`, canvas_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, dom.org, dom.typ, dom.id, sec.Name, sec.Provider, keys, sec.KeyID, sec.Ciphertext, sec.Version,
			sec.CreatedBy, s.time(sec.CreatedAt), s.time(sec.UpdatedAt), dom.canvasID())
		return err
	})
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
	dom, ok := parseDomain(orgID, domainType, domainID)
	if !ok {
		return Secret{}, NotFound("secret %q not found", idOrName)
	}
	column, value := lookup(idOrName)
	query := `SELECT ` + secretColumns + ` FROM secrets WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND ` + column + ` = ?`
	if forUpdate {
		query += s.d.forUpdate
	}
	sec, err := scanSecret(q.QueryRowContext(ctx, s.q(query), dom.org, dom.typ, dom.id, value))
	if errors.Is(err, sql.ErrNoRows) {
		return Secret{}, NotFound("secret %q not found", idOrName)
	}
	return sec, err
}

// FindSecret returns the secret by id or name in the domain, or ErrNotFound.
func (s *db) FindSecret(ctx context.Context, orgID, domainType, domainID, idOrName string) (Secret, error) {
	sec, err := s.findSecret(ctx, s.sql, orgID, domainType, domainID, idOrName, false)
	if err != nil {
		return Secret{}, wrap("find secret", err)
	}
	return sec, nil
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

// ListSecretsPage returns at most limit secrets of the domain named after
// after, ordered by name, without their sealed data.
func (s *db) ListSecretsPage(ctx context.Context, orgID, domainType, domainID, after string, limit int) ([]Secret, error) {
	dom, ok := parseDomain(orgID, domainType, domainID)
	if !ok || limit < 1 {
		return []Secret{}, nil
	}
	return s.querySecrets(ctx, "list secrets", `SELECT `+secretListColumns+` FROM secrets
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name > ? ORDER BY name LIMIT ?`,
		dom.org, dom.typ, dom.id, after, limit)
}

func (s *db) querySecrets(ctx context.Context, op, query string, args ...any) ([]Secret, error) {
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	secrets := []Secret{}
	for rows.Next() {
		sec, err := scanSecret(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		secrets = append(secrets, sec)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return secrets, nil
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
		out = sec
		return err
	})
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
		return err
	})
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
