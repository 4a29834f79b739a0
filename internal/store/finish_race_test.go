package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/store/storetest"
)

// TestFinishRacesRoutingOnFieldSet runs storetest's race of a finish and a
// routing transaction on one field set: on PostgreSQL with the
// interleaving forced by a lock held from outside the store, on SQLite
// one after the other.
func TestFinishRacesRoutingOnFieldSet(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			storetest.FinishRacesRoutingOnFieldSet(t, func(t *testing.T) (store.Store, storetest.Locker) {
				u := url(t)
				st := mustOpen(t, u)
				if name == "postgres" {
					return st, openPGLocker(t, u)
				}
				return st, nil
			})
		})
	}
}

// pgLocker is storetest.Locker on a connection of its own.
type pgLocker struct {
	db     *sql.DB
	holder int
}

func openPGLocker(t *testing.T, url string) *pgLocker {
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &pgLocker{db: db}
}

func (l *pgLocker) HoldFieldSet(t *testing.T, id string) func() {
	t.Helper()
	tx, err := l.db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(`SELECT pg_backend_pid()`).Scan(&l.holder); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT 1 FROM connection_group_field_sets WHERE id = $1 FOR UPDATE`, id); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback() }
}

func (l *pgLocker) WaitBlocked(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for range 3000 { // and the deadline
		// The sessions waiting on the holder, or on one that waits on it.
		var blocked int
		err := l.db.QueryRowContext(ctx, `WITH RECURSIVE w(pid) AS (
				SELECT a.pid FROM pg_stat_activity a WHERE $1 = ANY(pg_blocking_pids(a.pid))
				UNION SELECT a.pid FROM pg_stat_activity a JOIN w ON w.pid = ANY(pg_blocking_pids(a.pid))
			) SELECT COUNT(*) FROM w`, l.holder).Scan(&blocked)
		if err != nil {
			t.Fatalf("counting the blocked sessions: %v", err)
		}
		if blocked >= n {
			return
		}
		time.Sleep(10 * time.Millisecond) // polling, not an assertion
	}
	t.Fatalf("%d sessions never waited on the held field set", n)
}
