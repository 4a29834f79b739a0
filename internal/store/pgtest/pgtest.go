// Package pgtest gives a test a PostgreSQL schema of its own on the server
// Env names, dropped when the test ends, so that tests on one server never
// see each other's rows. It imports nothing of the store's, so the store's
// own tests (package store, which cannot import storetest) share it with
// the store's black-box tests and the engine's.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver the schema is created with
)

// Env names a PostgreSQL server to test against, e.g.
// postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable.
const Env = "SUPERPLANE_TEST_POSTGRES_URL"

// SchemaURL creates a schema named prefix_<random hex> on Env's server and
// returns a URL whose search_path selects it, or skips t when Env is not
// set. The schema's drop is registered now, before the test opens stores
// on the URL, so it runs after they close.
func SchemaURL(t testing.TB, prefix string) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skip(Env + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	schema := prefix + "_" + hex.EncodeToString(suffix)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		_ = admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer func() { _ = admin.Close() }()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
