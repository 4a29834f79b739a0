package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
	"github.com/superplane/terraform-provider-superplane/internal/store/storetest"
)

// postgresEnv names a PostgreSQL server to test against, e.g.
// postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable. Each test
// gets its own schema there, dropped at the end.
const postgresEnv = pgtest.Env

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return mustOpen(t, sqliteURL(t)) })
}

func TestPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set")
	}
	storetest.Run(t, func(t *testing.T) store.Store { return mustOpen(t, postgresURL(t)) })
}

// sqliteURL names a new database file, in a directory Open must create.
func sqliteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "state", "superplane.db")
}

// postgresURL creates a schema for the test and returns a URL whose
// search_path selects it, or skips the test when no server is configured.
func postgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.SchemaURL(t, "storetest")
}

func mustOpen(t testing.TB, databaseURL string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), databaseURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// openAcme is mustOpen with the organization acme in it.
func openAcme(t testing.TB, databaseURL string) (store.Store, store.Organization) {
	t.Helper()
	st := mustOpen(t, databaseURL)
	org, err := st.EnsureOrganization(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return st, org
}

// TestOpenTwice: a second start finds its migrations applied and the data
// in place.
func TestOpenTwice(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			first := mustOpen(t, u)
			org, err := first.EnsureOrganization(t.Context(), "acme")
			if err != nil {
				t.Fatalf("EnsureOrganization: %v", err)
			}
			second := mustOpen(t, u)
			again, err := second.EnsureOrganization(t.Context(), "acme")
			if err != nil {
				t.Fatalf("EnsureOrganization after reopening: %v", err)
			}
			if again.ID != org.ID {
				t.Errorf("reopened database has organization %s, want %s", again.ID, org.ID)
			}
		})
	}
}

// TestReopenIsOneQuery: a start on a database with every migration applied
// reads schema_migrations once and runs nothing else (it took 72 statements
// on SQLite and 90 on PostgreSQL, each a round trip there: issue 17's cold
// start).
func TestReopenIsOneQuery(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			mustOpen(t, u)
			n := &store.StatementCounter{}
			s, err := store.Open(t.Context(), u, store.CountStatements(n))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if got := n.Count(); got > 2 {
				t.Errorf("reopening a migrated database ran %d statements, want at most 2 (the ping and one read)", got)
			}
			if _, err := s.EnsureOrganization(t.Context(), "acme"); err != nil {
				t.Fatalf("the reopened store: %v", err)
			}
		})
	}
}

// TestOpenConcurrently: replicas starting at once on an empty database
// apply the migrations once, without failing each other.
func TestOpenConcurrently(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			const replicas = 4
			var wg sync.WaitGroup
			errs := make([]error, replicas)
			for i := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := store.Open(t.Context(), u)
					if err == nil {
						err = errors.Join(s.Ping(t.Context()), s.Close())
					}
					errs[i] = err
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
			}
		})
	}
}

func dialectURLs(t *testing.T) map[string]func(testing.TB) string {
	urls := map[string]func(testing.TB) string{"sqlite": sqliteURL}
	if os.Getenv(postgresEnv) != "" {
		urls["postgres"] = postgresURL
	} else {
		t.Log(postgresEnv + " is not set: PostgreSQL not tested")
	}
	return urls
}

// TestOpenSQLiteURLs: every accepted spelling of a SQLite database opens the
// file it names, creating its directory private to the server.
func TestOpenSQLiteURLs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct{ url, file string }{
		{"sqlite://" + filepath.Join(dir, "abs", "a.db"), filepath.Join(dir, "abs", "a.db")},
		{"sqlite://rel/b.db", filepath.Join(dir, "rel", "b.db")},
		{"file:" + filepath.Join(dir, "uri", "c.db") + "?cache=private", filepath.Join(dir, "uri", "c.db")},
		{filepath.Join(dir, "plain", "d.db"), filepath.Join(dir, "plain", "d.db")},
		{"e.db", filepath.Join(dir, "e.db")},
	} {
		t.Run(tc.url, func(t *testing.T) {
			mustOpen(t, tc.url)
			if _, err := os.Stat(tc.file); err != nil {
				t.Fatalf("database file: %v", err)
			}
			info, err := os.Stat(filepath.Dir(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if tc.file != filepath.Join(dir, "e.db") && info.Mode().Perm() != 0o700 {
				t.Errorf("created directory mode = %v, want 0700", info.Mode().Perm())
			}
			// WAL is a property of the file: check it with a plain connection.
			raw, err := sql.Open("sqlite", tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			var mode string
			if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" {
				t.Errorf("journal_mode = %q, want wal", mode)
			}
		})
	}

	if _, err := store.Open(t.Context(), "sqlite://"); err == nil {
		t.Error("Open accepted a URL without a file")
	}
}

// TestOpenUnreachablePostgres: a failure names the dialect but never echoes
// the URL, which may carry a password.
func TestOpenUnreachablePostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := store.Open(ctx, "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error reveals the password: %v", err)
	}
	if !strings.Contains(err.Error(), "postgres") {
		t.Errorf("error %q does not say which database failed", err)
	}
}

func benchSecretStore(b *testing.B) (store.Store, store.Organization) {
	s := mustOpen(b, sqliteURL(b))
	org, err := s.EnsureOrganization(b.Context(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	return s, org
}

func benchSecret(org store.Organization, name string) store.Secret {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return store.Secret{
		ID: uuid.NewString(), OrgID: org.ID, DomainType: store.DomainOrganization, DomainID: org.ID,
		Name: name, Provider: "PROVIDER_LOCAL", Keys: []string{"password"}, KeyID: "key-1",
		Ciphertext: make([]byte, 128), Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

func BenchmarkCreateSecret(b *testing.B) {
	s, org := benchSecretStore(b)
	ctx := b.Context()
	b.ResetTimer()
	for i := range b.N {
		if err := s.CreateSecret(ctx, benchSecret(org, fmt.Sprintf("secret-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindSecret(b *testing.B) {
	s, org := benchSecretStore(b)
	ctx := b.Context()
	if err := s.CreateSecret(ctx, benchSecret(org, "db")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := s.FindSecret(ctx, org.ID, store.DomainOrganization, org.ID, "db"); err != nil {
			b.Fatal(err)
		}
	}
}
