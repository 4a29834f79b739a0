package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"
)

// dataVersion is SQLite's PRAGMA data_version on q's connection: it moves
// when another connection committed since this one last read, which is
// when SQLite drops the connection's page cache.
func dataVersion(t *testing.T, ctx context.Context, q querier) int64 {
	t.Helper()
	var v int64
	if err := q.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTransactionsKeepOneConnection: SQLite's transactions run on one
// connection (txConn), whatever the pool's reads hold meanwhile, so that
// a transaction after another finds the pages that one wrote in its cache
// (data_version unmoved) unless another connection wrote since. With the
// pool's connections taken in turn, the second transaction ran on another
// connection (its temporary table not there) and read back what the first
// had written.
func TestTransactionsKeepOneConnection(t *testing.T) {
	s := openPlanSQLite(t)
	ctx := t.Context()
	var first int64
	if err := s.inTx(ctx, func(tx *sql.Tx) error {
		// A temporary table is its connection's alone.
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE tx_conn_mark (n INTEGER)`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE written_first (n INTEGER)`)
		first = dataVersion(t, ctx, tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A read holding a connection of the pool, as the receivers' and the
	// lists' reads do under load: the pool hands out the connection
	// returned last.
	rows, err := s.sql.QueryContext(ctx, `SELECT name FROM sqlite_master`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var second int64
	if err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM temp.tx_conn_mark`).Scan(&n); err != nil {
			return err
		}
		second = dataVersion(t, ctx, tx)
		_, err := tx.ExecContext(ctx, `INSERT INTO written_first (n) VALUES (1)`)
		return err
	}); err != nil {
		t.Fatalf("second transaction on another connection than the first: %v", err)
	}
	if second != first {
		t.Errorf("data_version moved from %d to %d between two transactions with no other writer: the page cache was dropped", first, second)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	// The probe sees another connection's write: a write outside a
	// transaction runs on the pool.
	if _, err := s.sql.ExecContext(ctx, `INSERT INTO written_first (n) VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error {
		if v := dataVersion(t, ctx, tx); v == second {
			t.Errorf("data_version %d did not move after another connection's write", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestTransactionEndsWithItsContext: a transaction whose context ends
// before its commit is rolled back and answers the context's error, as
// database/sql's transactions do, and the next transaction on the one
// connection begins at once (txConn's transactions do not watch their
// context, so no rollback of database/sql's runs behind the next one).
func TestTransactionEndsWithItsContext(t *testing.T) {
	s := openPlanSQLite(t)
	if _, err := s.sql.ExecContext(t.Context(), `CREATE TABLE ended (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		ctx, cancel := context.WithCancel(t.Context())
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ended (n) VALUES (?)`, i); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: inTx = %v, want context.Canceled", i, err)
		}
		// Already ended: refused before it begins.
		if err := s.inTx(ctx, func(*sql.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: inTx with an ended context = %v, want context.Canceled", i, err)
		}
		if err := s.inTx(t.Context(), func(tx *sql.Tx) error {
			_, err := tx.ExecContext(t.Context(), `INSERT INTO ended (n) VALUES (-1)`)
			return err
		}); err != nil {
			t.Fatalf("round %d: the next transaction: %v", i, err)
		}
	}
	var kept, total int
	if err := s.sql.QueryRowContext(t.Context(), `SELECT count(*) FILTER (WHERE n >= 0), count(*) FROM ended`).Scan(&kept, &total); err != nil {
		t.Fatal(err)
	}
	if kept != 0 || total != 20 {
		t.Errorf("rows of cancelled transactions kept: %d (of %d rows); want 0 of 20", kept, total)
	}
}

// TestTransactionsOutliveABadConnection: when the pinned connection goes
// bad (database/sql closes a connection its driver called bad), the next
// transaction begins on a new one instead of failing from then on.
func TestTransactionsOutliveABadConnection(t *testing.T) {
	s := openPlanSQLite(t)
	ctx := t.Context()
	write := func(n int) error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO outlive (n) VALUES (?)`, n)
			return err
		})
	}
	if _, err := s.sql.ExecContext(ctx, `CREATE TABLE outlive (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if err := write(1); err != nil {
		t.Fatal(err)
	}
	s.txs.mu.Lock()
	pinned := s.txs.conn
	s.txs.mu.Unlock()
	if err := pinned.Raw(func(any) error { return driver.ErrBadConn }); !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("Raw = %v", err)
	}
	for n := 2; n <= 3; n++ {
		if err := write(n); err != nil {
			t.Fatalf("write %d after the connection went bad: %v", n, err)
		}
	}
	var count int
	if err := s.sql.QueryRowContext(ctx, `SELECT count(*) FROM outlive`).Scan(&count); err != nil || count != 3 {
		t.Fatalf("rows = %d, %v; want 3", count, err)
	}
}
