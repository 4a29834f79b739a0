package store

import (
	"context"
	"database/sql"
	"fmt"
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
	if err := pool.PingContext(ctx); err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", d.name, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = pool.Close()
		return nil, err
	}
	return s, nil
}
