package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestTokenMigrationKeepsTokens: tokens created before migration 0008 keep
// working after it, each with an id of its own, so they can be listed and
// revoked. The test rolls a migrated database back to the old tokens table,
// stores a token the old way and opens it again.
func TestTokenMigrationKeepsTokens(t *testing.T) {
	for _, tc := range []struct {
		name, driver string
		rollback     []string
	}{
		// console_sessions (0016) references tokens.id: it goes first, and
		// 0016 runs again after 0008 (see below).
		{"sqlite", "sqlite", []string{
			`DROP TABLE console_sessions`,
			`DROP INDEX tokens_id`, `DROP INDEX tokens_org`,
			`ALTER TABLE tokens DROP COLUMN id`, `ALTER TABLE tokens DROP COLUMN expires_at`, `ALTER TABLE tokens DROP COLUMN last_used_at`,
		}},
		{"postgres", "pgx", []string{
			`DROP TABLE console_sessions`,
			`DROP INDEX tokens_org`,
			`ALTER TABLE tokens DROP COLUMN id`, `ALTER TABLE tokens DROP COLUMN expires_at`, `ALTER TABLE tokens DROP COLUMN last_used_at`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			url := sqliteURL(t)
			if tc.name == "postgres" {
				url = postgresURL(t)
			}
			s, org := openAcme(t, url)
			u, err := s.EnsureUser(ctx, org.ID, "ada@example.com")
			if err != nil {
				t.Fatal(err)
			}
			s.Close()

			dsn := url
			if tc.name == "sqlite" {
				dsn = url[len("sqlite://"):]
			}
			raw, err := sql.Open(tc.driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range append(tc.rollback, `DELETE FROM schema_migrations WHERE version IN ('0008_token_management', '0016_console_sessions')`) {
				if _, err := raw.Exec(q); err != nil {
					raw.Close()
					t.Fatalf("%s: %v", q, err)
				}
			}
			hashes := [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)}
			for _, h := range hashes {
				q := `INSERT INTO tokens (hash, user_id, org_id, role, created_at) VALUES (?, ?, ?, 'owner', ?)`
				var at any = time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
				if tc.name == "postgres" {
					q = `INSERT INTO tokens (hash, user_id, org_id, role, created_at) VALUES ($1, $2, $3, 'owner', $4)`
					at = time.Now()
				}
				if _, err := raw.Exec(q, h, u.ID, org.ID, at); err != nil {
					raw.Close()
					t.Fatal(err)
				}
			}
			raw.Close()

			s = mustOpen(t, url)
			defer s.Close()
			ids := map[string]bool{}
			for _, h := range hashes {
				p, err := s.FindPrincipal(ctx, h)
				if err != nil {
					t.Fatalf("an old token no longer works: %v", err)
				}
				if _, err := uuid.Parse(p.Token.ID); err != nil || ids[p.Token.ID] {
					t.Fatalf("old token got id %q", p.Token.ID)
				}
				ids[p.Token.ID] = true
			}
			list, err := s.ListTokens(ctx, "")
			if err != nil || len(list) != 2 {
				t.Fatalf("ListTokens = %v, %v", list, err)
			}
			if err := s.RevokeToken(ctx, list[0].ID); err != nil {
				t.Fatalf("revoking an old token: %v", err)
			}
			refused := 0
			for _, h := range hashes {
				if _, err := s.FindPrincipal(ctx, h); errors.Is(err, store.ErrNotFound) {
					refused++
				}
			}
			if refused != 1 {
				t.Fatalf("after revoking one old token, %d of the two are refused", refused)
			}
		})
	}
}
