package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// migrate applies the dialect's embedded migrations that the database lacks,
// in file-name order. Each runs in its own transaction together with its row
// in schema_migrations, so a migration is applied whole or not at all, and a
// failure leaves the earlier ones in place for the next start.
//
// Every start but the first after an upgrade finds them all applied: one
// read of schema_migrations says so, and those versions are skipped. Without
// it, each migration's transaction (begin, lock, create the table if
// missing, the check, commit) made 90 round trips of a start on PostgreSQL
// (BENCHMARKS.md, cold start). A version read there is committed, so
// skipping it is what the check under the lock would decide; the rest still
// go through that check, so replicas starting at once apply each once.
func (s *db) migrate(ctx context.Context) error {
	names, err := fs.Glob(s.d.migrations, "*.sql")
	if err != nil {
		return fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	applied := s.appliedMigrations(ctx)
	var pending []string
	for _, name := range names {
		if !applied[strings.TrimSuffix(name, ".sql")] {
			pending = append(pending, name)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	// One connection applies them all, so that its session settings hold
	// for each.
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate (%s): %w", s.d.name, err)
	}
	defer func() { _ = conn.Close() }()
	if s.d.migrationSession != "" {
		if _, err := conn.ExecContext(ctx, s.d.migrationSession); err != nil {
			return fmt.Errorf("store: migrate (%s): %w", s.d.name, err)
		}
		// The connection goes back to the pool: restore what every pooled
		// connection has, or close it when that fails.
		defer func() {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), s.d.migrationRestore); err != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	for _, name := range pending {
		version := strings.TrimSuffix(name, ".sql")
		body, err := fs.ReadFile(s.d.migrations, name)
		if err != nil {
			return fmt.Errorf("store: read migration %s: %w", name, err)
		}
		if err := s.migrateOne(ctx, conn, version, string(body)); err != nil {
			return fmt.Errorf("store: migration %s (%s): %w", version, s.d.name, err)
		}
	}
	return nil
}

// migrateOne applies one migration in its own transaction on conn.
func (s *db) migrateOne(ctx context.Context, conn *sql.Conn, version, body string) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // after a commit, a no-op
	if err := s.applyMigration(ctx, tx, version, body); err != nil {
		return err
	}
	return tx.Commit()
}

// appliedMigrations returns the versions schema_migrations records; none
// when it cannot be read (a new database has no such table yet), in which
// case every migration takes the checked path.
func (s *db) appliedMigrations(ctx context.Context) map[string]bool {
	rows, err := s.sql.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v string
		if rows.Scan(&v) != nil {
			return nil
		}
		out[v] = true
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}

func (s *db) applyMigration(ctx context.Context, tx *sql.Tx, version, body string) error {
	// The lock comes before everything else, schema_migrations' creation
	// included: two PostgreSQL sessions running CREATE TABLE IF NOT EXISTS at
	// once can both try to create it.
	if s.d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.migrationsTable); err != nil {
		return err
	}
	var applied int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&applied); err != nil {
		return err
	}
	if applied > 0 {
		return nil
	}
	// Without arguments both drivers run the whole multi-statement file.
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), version, s.time(time.Now()))
	return err
}
