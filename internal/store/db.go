package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
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
	// sole, with SoleServer on SQLite, is the database's lock held by
	// this process, and routing reads its events with no claim.
	sole *soleRouter
	// txs, on SQLite, is the one connection transactions run on (txConn);
	// nil on PostgreSQL, whose transactions take the pool's connections.
	txs *txConn
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
	tx, release, err := s.beginTx(ctx)
	if err != nil {
		return err
	}
	return s.endTx(ctx, tx, release, fn)
}

// inRouteTx is inTx on routeQuerier's connection: a routing worker's
// held one (RouteConn), or the pool's.
func (s *db) inRouteTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	q := s.routeQuerier(ctx)
	if q == s.sql {
		return s.inTx(ctx, fn)
	}
	tx, err := q.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	return s.endTx(ctx, tx, func() {}, fn)
}

// endTx runs fn in tx, begun by inTx or inRouteTx, and commits it when
// fn returns nil; release is called after the transaction ended.
func (s *db) endTx(ctx context.Context, tx *sql.Tx, release func(), fn func(tx *sql.Tx) error) error {
	defer release()
	// Deferred so that a panic in a caller's update function still releases
	// the transaction (with SQLite, the database-wide write lock). After a
	// commit it is a no-op.
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if s.txs != nil {
		// txConn's transactions do not watch ctx (txConn.beginTx).
		if err := ctx.Err(); err != nil {
			return err
		}
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
	// What uuid.Parse then String would check, without either: a busy
	// canvas's routing checks 100 stage ids an event (1.7% of the
	// server's CPU, BENCHMARKS.md round five).
	if len(s) != uuidLen {
		return "", false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return "", false
			}
		}
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

// Close releases the database.
func (s *db) Close() error {
	if s.txs != nil {
		s.txs.drop()
	}
	return errors.Join(s.sql.Close(), s.sole.close())
}

// beginTx begins a transaction: on SQLite on its one transaction
// connection (txConn), on PostgreSQL on one of the pool's. release is
// called after the transaction ended.
func (s *db) beginTx(ctx context.Context) (*sql.Tx, func(), error) {
	if s.txs != nil {
		return s.txs.beginTx(ctx)
	}
	tx, err := s.sql.BeginTx(ctx, nil)
	return tx, func() {}, err
}

// Ping checks the database answers.
func (s *db) Ping(ctx context.Context) error { return wrap("ping", s.sql.PingContext(ctx)) }

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

// placeholders is "?, ?, ..." for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// PoolStats is the pool's database/sql figures. Not part of Store: the
// engine's tests read it to see its routing loops' held connections
// (RouteConn) given back.
func (s *db) PoolStats() sql.DBStats { return s.sql.Stats() }
