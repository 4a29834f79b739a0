package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

type rowScanner interface{ Scan(dest ...any) error }

// nullTimeColumn scans a nullable time; NULL is the zero time.
type nullTimeColumn struct{ t *time.Time }

func (c nullTimeColumn) Scan(src any) error {
	if src == nil {
		*c.t = time.Time{}
		return nil
	}
	return timeColumn(c).Scan(src)
}

func (s *db) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.time(t)
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// blobColumn scans bytes stored as BLOB, bytea or text. NULL and empty both
// read back as nil, so a value written as nil or empty compares equal to
// what is read.
type blobColumn struct{ b *[]byte }

func (c blobColumn) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.b = nil
	case []byte:
		*c.b = nil
		if len(v) > 0 {
			// The driver may reuse its buffer after Scan returns.
			*c.b = append([]byte(nil), v...)
		}
	case string:
		*c.b = nil
		if v != "" {
			*c.b = []byte(v)
		}
	default:
		return fmt.Errorf("cannot scan %T into bytes", src)
	}
	return nil
}

// blob is the argument for a NOT NULL bytes column: both drivers bind a nil
// slice as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nullBlob is the argument for a nullable bytes column: NULL when empty.
func nullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nilUUID sorts before every generated id: the cursor of the first page of
// EventSourcesWithHooks.
const nilUUID = "00000000-0000-0000-0000-000000000000"

// lockOf ends a SELECT whose rows of alias the transaction then updates
// (PostgreSQL; SQLite's immediate transactions already run one writer at a
// time). Naming the alias lets the SELECT join other tables.
func (s *db) lockOf(alias string) string {
	return strings.Replace(s.d.forUpdate, "FOR UPDATE", "FOR UPDATE OF "+alias, 1)
}

// skipLockedOf ends a SELECT that takes rows of alias as work: PostgreSQL
// locks them and passes over the rows another transaction holds, so
// concurrent workers take different rows instead of queueing on the same.
func (s *db) skipLockedOf(alias string) string {
	if s.d.forUpdate == "" {
		return ""
	}
	return s.lockOf(alias) + " SKIP LOCKED"
}

// keepIfNil is the argument of "column = COALESCE(?, column)" for a NOT
// NULL bytes column: nil keeps the stored bytes (the caller has nothing
// new), anything else, empty included, replaces them.
func keepIfNil(b []byte) any {
	if b == nil {
		return nil
	}
	return blob(b)
}

// placeholders is "?, ?, ..." for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
