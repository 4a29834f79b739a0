package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxConns bounds each pool. Update functions run while their transaction
// holds a connection, so they must not call the store themselves.
const maxConns = 32

// Open connects to the database and applies the migrations it lacks.
//
// A URL starting with postgres:// or postgresql:// selects PostgreSQL; any
// other is a SQLite file: sqlite:///abs/path.db, sqlite://rel/path.db,
// file:path.db?..., or a plain path. The SQLite file's directory is created
// (0700) when missing.
func Open(ctx context.Context, databaseURL string) (Store, error) {
	var (
		d   dialect
		dsn string
	)
	if isPostgresURL(databaseURL) {
		d, dsn = newPostgresDialect(), databaseURL
	} else {
		var err error
		if dsn, err = sqliteDSN(databaseURL); err != nil {
			return nil, err
		}
		d = newSQLiteDialect()
	}

	// Errors name the dialect, never the URL: it may hold a password.
	pool, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", d.name, err)
	}
	// database/sql keeps only two idle connections by default, so bursts
	// would reopen connections (and rerun SQLite's pragmas) over and over. The
	// cap keeps a few replicas within PostgreSQL's default max_connections
	// (100); no store method holds more than one connection at a time.
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	s := &db{sql: pool, d: d}
	if err := retryBusy(ctx, func() error { return pool.PingContext(ctx) }); err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", d.name, err)
	}
	if err := retryBusy(ctx, func() error { return s.migrate(ctx) }); err != nil {
		_ = pool.Close()
		return nil, err
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
