package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// TestMigrationsSpillToFiles: the pool keeps temporary data in memory
// (temp_store MEMORY, for group commit's savepoints), but a migration, which
// may index a large table, runs with SQLite's default of files; the
// connection is back to memory once the migrations are applied.
func TestMigrationsSpillToFiles(t *testing.T) {
	ctx := context.Background()
	d := newSQLiteDialect()
	d.migrations = fstest.MapFS{
		"0001_probe.sql": {Data: []byte(`CREATE TABLE probe AS SELECT temp_store FROM pragma_temp_store();`)},
		"0002_more.sql":  {Data: []byte(`INSERT INTO probe SELECT temp_store FROM pragma_temp_store();`)},
	}
	dsn, err := sqliteDSN(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := sql.Open(d.driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pool.Close() }()
	pool.SetMaxOpenConns(1) // the pool's one connection is the one that migrated
	s := &db{sql: pool, d: d}
	var before int
	if err := pool.QueryRowContext(ctx, `SELECT temp_store FROM pragma_temp_store()`).Scan(&before); err != nil || before != 2 {
		t.Fatalf("a pooled connection's temp_store: %d (%v); want 2 (memory)", before, err)
	}
	if err := s.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.QueryContext(ctx, `SELECT temp_store FROM probe`)
	if err != nil {
		t.Fatal(err)
	}
	var during []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		during = append(during, v)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(during) != 2 || during[0] != 1 || during[1] != 1 {
		t.Fatalf("temp_store during the migrations: %v; want 1 (files) for each", during)
	}
	var after int
	if err := pool.QueryRowContext(ctx, `SELECT temp_store FROM pragma_temp_store()`).Scan(&after); err != nil || after != 2 {
		t.Fatalf("temp_store after the migrations: %d (%v); want 2 again", after, err)
	}
}
