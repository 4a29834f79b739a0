package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrFreshDatabase is Open's answer, with ExistingOnly, for a database that
// does not exist yet or has no schema: a command pointed at the wrong place
// says so instead of quietly creating an empty database there.
var ErrFreshDatabase = errors.New("no database there yet")

// OpenOption changes what Open does.
type OpenOption func(*openOptions)

type openOptions struct {
	existingOnly bool
	// counter, when set, counts the statements (CountStatements).
	counter *StatementCounter
	// roundTrips, when set, counts PostgreSQL's round trips
	// (CountRoundTrips).
	roundTrips *StatementCounter
	// soleServer: SoleServer.
	soleServer bool
}

// ExistingOnly makes Open refuse (ErrFreshDatabase) a database that does
// not exist yet (SQLite: no file, or an empty one) or whose schema has no
// migrations applied, instead of creating it.
func ExistingOnly() OpenOption { return func(o *openOptions) { o.existingOnly = true } }

// sqliteExists is ExistingOnly's check before SQLite creates the file.
func sqliteExists(databaseURL string) error {
	_, path, _, err := sqliteTarget(databaseURL)
	if err != nil {
		return err
	}
	if path == "" {
		return fmt.Errorf("%w: an in-memory database is always new", ErrFreshDatabase)
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Size() == 0) {
		return fmt.Errorf("%w: %s does not exist", ErrFreshDatabase, path)
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// requireMigrated is ExistingOnly's check that the schema was created.
func (s *db) requireMigrated(ctx context.Context) error {
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if s.d.numbered {
		query = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' AND schemaname = current_schema()`
	}
	var n int
	if err := s.sql.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return fmt.Errorf("store: look for the schema in %s: %w", s.d.name, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: the %s database has no SuperPlane schema", ErrFreshDatabase, s.d.name)
	}
	return nil
}

// createPrivateFile creates the SQLite file with mode 0600 unless it exists,
// before SQLite would create it with 0644 (less the umask). An existing
// file keeps its mode: the operator may have chosen it.
func createPrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	return f.Close()
}

// Describe names the database of a URL for people: the absolute path of a
// SQLite file, or a PostgreSQL URL without its password (in the user info
// or in the query). It never fails: what it cannot parse it does not show.
func Describe(databaseURL string) string {
	if isPostgresURL(databaseURL) {
		u, err := url.Parse(databaseURL)
		if err != nil {
			return "PostgreSQL (URL not shown: it does not parse)"
		}
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") || strings.EqualFold(k, "sslkey") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		return "PostgreSQL " + u.String()
	}
	_, path, _, err := sqliteTarget(databaseURL)
	if err != nil {
		return "SQLite (URL not shown: it does not parse)"
	}
	if path == "" {
		return "SQLite in memory"
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return "SQLite " + path
}

// maxConns bounds each pool. Update functions run while their transaction
// holds a connection, so they must not call the store themselves. On
// PostgreSQL each engine routing loop holds one of them while it runs
// (RouteConn): 2 by default, at most 8 (--route-workers), leaving 30 or
// 24 to everything else.
const maxConns = 32

// Open connects to the database and applies the migrations it lacks.
//
// A URL starting with postgres:// or postgresql:// selects PostgreSQL; any
// other is a SQLite file: sqlite:///abs/path.db, sqlite://rel/path.db,
// file:path.db?..., or a plain path. The SQLite file's directory is created
// (0700) when missing, and the file (0600): SQLite gives its -wal and -shm
// files the database file's mode.
func Open(ctx context.Context, databaseURL string, opts ...OpenOption) (Store, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	var (
		d    dialect
		dsn  string
		sole *soleRouter
	)
	if isPostgresURL(databaseURL) {
		d, dsn = newPostgresDialect(), databaseURL
	} else {
		if o.existingOnly {
			if err := sqliteExists(databaseURL); err != nil {
				return nil, err
			}
		}
		var err error
		if dsn, err = sqliteDSN(databaseURL); err != nil {
			return nil, err
		}
		d = newSQLiteDialect()
		if o.soleServer {
			// Before the first connection: a second server is refused
			// before it migrates or reads anything.
			if sole, err = soleOf(databaseURL); err != nil {
				return nil, err
			}
		}
	}

	// Errors name the dialect, never the URL: it may hold a password.
	pool, err := sql.Open(d.driver, dsn)
	if err != nil {
		_ = sole.close()
		return nil, fmt.Errorf("store: open %s: %w", d.name, err)
	}
	if o.counter != nil || (o.roundTrips != nil && d.numbered) {
		drv := pool.Driver()
		_ = pool.Close() // opened no connection yet
		var inner driver.Connector
		if o.roundTrips != nil && d.numbered {
			if inner, err = roundTripConnector(dsn, o.roundTrips); err != nil {
				_ = sole.close()
				return nil, err
			}
		}
		if o.counter == nil {
			pool = sql.OpenDB(inner)
		} else {
			pool = sql.OpenDB(countingConnector{drv: drv, dsn: dsn, inner: inner, n: o.counter})
		}
	}
	// database/sql keeps only two idle connections by default, so bursts
	// would reopen connections (and rerun SQLite's pragmas) over and over. The
	// cap keeps a few replicas within PostgreSQL's default max_connections
	// (100); no store method holds more than one connection at a time.
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	s := &db{sql: pool, d: d, sole: sole}
	if d.oneWriter {
		s.txs = &txConn{pool: pool}
	}
	closeAll := func() { _ = pool.Close(); _ = sole.close() }
	if err := retryBusy(ctx, func() error { return pool.PingContext(ctx) }); err != nil {
		closeAll()
		return nil, fmt.Errorf("store: connect to %s: %w", d.name, err)
	}
	if o.existingOnly {
		if err := s.requireMigrated(ctx); err != nil {
			closeAll()
			return nil, err
		}
	}
	if err := retryBusy(ctx, func() error { return s.migrate(ctx) }); err != nil {
		closeAll()
		return nil, err
	}
	if sole != nil {
		if err := sole.recover(ctx, s); err != nil {
			closeAll()
			return nil, err
		}
	}
	return s, nil
}

// retryBusy runs fn again while SQLite answers SQLITE_BUSY, for at most
// about ten seconds. Switching a new database file to WAL needs it to
// itself, and SQLite refuses that at once (without its busy handler) while
// another process opens the same file, as a second server or a `token
// create` next to a starting server does.
func retryBusy(ctx context.Context, fn func() error) error {
	wait := 10 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := fn()
		if err == nil || !isSQLiteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// isSQLiteBusy reports a "database is locked" answer of SQLite.
func isSQLiteBusy(err error) bool {
	var se interface{ Code() int }
	if errors.As(err, &se) {
		return se.Code()&0xff == 5 // SQLITE_BUSY, with or without an extended code
	}
	return strings.Contains(err.Error(), "SQLITE_BUSY")
}
