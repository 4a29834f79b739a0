package store

import (
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// A burst of warmConns requests right after Open on PostgreSQL with
// WarmPool (serve's) finds its connections open: none is dialed while they
// wait. Without the warming, Open leaves one connection and the burst
// dials the rest.
func TestPostgresPoolOpensWarm(t *testing.T) {
	s := openTestDB(t, pgtest.SchemaURL(t, "warm"), WarmPool())
	ctx := t.Context()
	before := s.sql.Stats()
	if before.OpenConnections < warmConns {
		t.Fatalf("Open left %d connections open, want at least %d", before.OpenConnections, warmConns)
	}
	// Held at once, as concurrent requests hold them.
	for range warmConns {
		c, err := s.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		if err := c.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if after := s.sql.Stats(); after.OpenConnections != before.OpenConnections {
		t.Fatalf("the burst dialed %d connections", after.OpenConnections-before.OpenConnections)
	}
}

// Without WarmPool (the token and keys commands, tests), Open opens no more
// connections than it uses.
func TestPostgresPoolIsColdWithoutWarmPool(t *testing.T) {
	if s := openTestDB(t, pgtest.SchemaURL(t, "cold")); s.sql.Stats().OpenConnections >= warmConns {
		t.Fatalf("a PostgreSQL pool opened without WarmPool has %d connections", s.sql.Stats().OpenConnections)
	}
}

// SQLite's pool is not warmed, even with WarmPool.
func TestSQLitePoolIsNotWarmed(t *testing.T) {
	s := openTestDB(t, "sqlite://"+t.TempDir()+"/warm.db", WarmPool())
	if n := s.sql.Stats().OpenConnections; n >= warmConns {
		t.Fatalf("SQLite's pool opened %d connections", n)
	}
}
