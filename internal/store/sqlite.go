package store

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// sqliteTimeLayout is fixed-width so that stored times sort as text and
// round-trip exactly at microsecond precision.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// sqliteParams are applied to every pooled connection:
//   - busy_timeout first, so that the journal_mode switch waits for locks;
//   - WAL lets readers run beside the one writer;
//   - foreign_keys is off by default in SQLite and the schema relies on it
//     (ON DELETE CASCADE of canvas secrets);
//   - synchronous FULL: a write acknowledged to a client survives power loss;
//   - _txlock=immediate takes the write lock at BEGIN. A deferred transaction
//     that reads, then writes after another connection wrote, fails at once
//     with "database is locked" (the busy handler cannot help it), and the
//     early lock is also what makes UpdateCanvas and UpdateSecret's
//     read-modify-write safe without SELECT ... FOR UPDATE;
//   - temp_store MEMORY keeps statement journals in memory: a shared
//     transaction of group commit (writeBatcher) gives each write a
//     savepoint, whose journal spilt to a temporary file past 64 KiB, a
//     pwrite for every page a write touched (12% of a secret pair's CPU,
//     issue 17). A batch is at most 64 writes, so the journal stays small.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=temp_store(2)&_txlock=immediate"

func newSQLiteDialect() dialect {
	// Commits sync with fdatasync, as SQLite's own Linux builds do, not the
	// transpiled library's default fsync: the same durability (the data,
	// and the file size needed to read it back) without the timestamp
	// update, which made a commit wait several times longer (BENCHMARKS.md).
	_, _ = sqlite.Fdatasync(true)
	migrations, err := fs.Sub(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		panic(err) // the embedded path is a constant
	}
	return dialect{
		name:            "sqlite",
		driver:          sqliteDriverName,
		migrations:      migrations,
		migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`,
		// temp_store MEMORY (sqliteParams) would also keep in memory the
		// sort of a migration that indexes a large table (the events of a
		// busy server): migrations spill to files, as SQLite's default does.
		migrationSession: `PRAGMA temp_store = FILE`,
		migrationRestore: `PRAGMA temp_store = MEMORY`,
		encodeTime:       func(t time.Time) any { return t.Format(sqliteTimeLayout) },
		classify:         classifySQLite,
		oneWriter:        true,
		position:         "instr",
	}
}

func classifySQLite(err error) violation {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return noViolation
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return uniqueViolation
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return primaryKeyViolation
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return foreignKeyViolation
	}
	return noViolation
}

// sqliteDSN turns a database URL (sqlite:///abs.db, sqlite://rel.db,
// file:..., or a plain path, each with optional ?params) into the driver's
// DSN with the store's parameters, and creates the file's directory (0700)
// and the file itself (0600, see createPrivateFile). The caller's own
// parameters come after ours, so a _pragma of theirs wins.
func sqliteDSN(databaseURL string) (string, error) {
	name, path, query, err := sqliteTarget(databaseURL)
	if err != nil {
		return "", err
	}
	if path != "" {
		// 0700: the database holds token hashes and ciphertext.
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", fmt.Errorf("store: create database directory: %w", err)
		}
		if err := createPrivateFile(path); err != nil {
			return "", err
		}
	}
	dsn := name + "?" + sqliteParams
	if query != "" {
		dsn += "&" + query
	}
	return dsn, nil
}

// sqliteTarget splits a SQLite database URL into the driver's name for it,
// the file's path ("" for an in-memory database) and the caller's query.
func sqliteTarget(databaseURL string) (name, path, query string, err error) {
	name = databaseURL
	switch {
	case strings.HasPrefix(name, "sqlite://"):
		name = strings.TrimPrefix(name, "sqlite://")
	case strings.HasPrefix(name, "sqlite:"):
		name = strings.TrimPrefix(name, "sqlite:")
	}
	name, query, _ = strings.Cut(name, "?")
	if name == "" {
		return "", "", "", errors.New("store: the database URL names no SQLite file")
	}
	path = name
	if strings.HasPrefix(name, "file:") {
		u, err := url.Parse(name)
		if err != nil {
			return "", "", "", fmt.Errorf("store: parse SQLite URI: %w", err)
		}
		path = u.Path
		if path == "" {
			path = u.Opaque
		}
	}
	if path == "" || path == ":memory:" || strings.Contains(query, "mode=memory") {
		path = ""
	}
	return name, path, query, nil
}
