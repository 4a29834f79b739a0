package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCmd runs a command and returns its stdout, its stderr and its error.
func runCmd(env func(string) string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, args, &out, &errOut, env)
	return out.String(), errOut.String(), err
}

// TestTokenCreateRefusesFreshDatabase: token create pointed at a data dir
// with no database (as next to a server on another data dir) refuses,
// creates nothing and says where it looked and what to pass; with --init it
// creates the database; both times it names the database on stderr.
func TestTokenCreateRefusesFreshDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir})
	db := filepath.Join(dir, "superplane.db")

	out, errOut, err := runCmd(env, "token", "create", "--org", "acme", "--role", "owner")
	if err == nil || !strings.Contains(err.Error(), "--init") || !strings.Contains(err.Error(), db) {
		t.Fatalf("token create on a fresh data dir: %v; want a refusal naming %s and --init", err, db)
	}
	if out != "" {
		t.Fatalf("a refused token create printed %q", out)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("a refused token create left a database: %v", err)
	}
	if !strings.Contains(errOut, "database SQLite "+db) {
		t.Errorf("stderr does not name the database: %q", errOut)
	}

	out, errOut, err = runCmd(env, "token", "create", "--org", "acme", "--role", "owner", "--init")
	if err != nil || !strings.HasPrefix(out, "spt_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("token create --init: %q, %v", out, err)
	}
	if !strings.Contains(errOut, "database SQLite "+db) || strings.Contains(errOut, strings.TrimSpace(out)) {
		t.Errorf("stderr must name the database and not repeat the token: %q", errOut)
	}
	// The database exists now: no --init needed.
	if out, _, err := runCmd(env, "token", "create", "--org", "acme", "--role", "viewer"); err != nil || !strings.HasPrefix(out, "spt_") {
		t.Fatalf("token create on the existing database: %q, %v", out, err)
	}
}

// TestTokenListRevoke: token list shows every token's id, organization,
// user, role, creation, expiry and last use, never a token value; --org
// filters; token revoke removes one by id and refuses an unknown id.
func TestTokenListRevoke(t *testing.T) {
	dir := t.TempDir()
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir})
	owner, _, err := runCmd(env, "token", "create", "--init", "--org", "acme", "--role", "owner", "--user", "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ci, _, err := runCmd(env, "token", "create", "--org", "acme", "--role", "viewer", "--user", "ci@example.com", "--ttl", "720h")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(env, "token", "create", "--org", "globex", "--role", "admin", "--ttl", "30s"); err == nil || !strings.Contains(err.Error(), "--ttl") {
		t.Fatalf("a 30s ttl: %v, want a refusal naming --ttl", err)
	}
	if _, _, err := runCmd(env, "token", "create", "--org", "globex", "--role", "admin"); err != nil {
		t.Fatal(err)
	}

	list, _, err := runCmd(env, "token", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("token list:\n%s", list)
	}
	for _, tok := range []string{owner, ci} {
		if strings.Contains(list, strings.TrimSpace(tok)) {
			t.Fatal("token list shows a token value")
		}
	}
	expiry := time.Now().Add(720 * time.Hour).UTC().Format("2006-01-02")
	var ciID string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		switch {
		case strings.Contains(l, "ci@example.com"):
			ciID = f[0]
			if f[1] != "acme" || f[3] != "viewer" || !strings.HasPrefix(f[5], expiry) || f[6] != "never" {
				t.Errorf("ci's row: %q", l)
			}
		case strings.Contains(l, "ada@example.com"):
			if f[3] != "owner" || f[5] != "never" {
				t.Errorf("ada's row: %q", l)
			}
		}
	}
	if acme, _, _ := runCmd(env, "token", "list", "--org", "acme"); strings.Count(strings.TrimSpace(acme), "\n") != 2 || strings.Contains(acme, "globex") {
		t.Fatalf("token list --org acme:\n%s", acme)
	}

	out, _, err := runCmd(env, "token", "revoke", ciID)
	if err != nil || !strings.Contains(out, "ci@example.com") {
		t.Fatalf("token revoke: %q, %v", out, err)
	}
	if after, _, _ := runCmd(env, "token", "list"); strings.Contains(after, ciID) {
		t.Fatalf("the revoked token is still listed:\n%s", after)
	}
	if _, _, err := runCmd(env, "token", "revoke", ciID); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("revoking it again: %v", err)
	}
	if _, _, err := runCmd(env, "token", "revoke"); err == nil || !strings.Contains(err.Error(), "token id") {
		t.Fatalf("revoke without an id: %v", err)
	}
}

// TestTokenCreateNamesPostgresWithoutPassword: on PostgreSQL the database
// is named on stderr without the URL's password, and an empty schema needs
// --init.
func TestTokenCreateNamesPostgresWithoutPassword(t *testing.T) {
	base := os.Getenv("SUPERPLANE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("SUPERPLANE_TEST_POSTGRES_URL is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	schema := "cmdtest_" + hex.EncodeToString(suffix)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	// The test server trusts local connections, so any password works: it
	// is here to be hidden.
	url := strings.Replace(base, "postgres://postgres@", "postgres://postgres:pw-not-shown-7781@", 1)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	url += sep + "search_path=" + schema
	env := envFrom(map[string]string{"SUPERPLANE_DATABASE_URL": url, "SUPERPLANE_DATA_DIR": t.TempDir()})

	_, errOut, err := runCmd(env, "token", "create", "--org", "acme", "--role", "owner")
	if err == nil || !strings.Contains(err.Error(), "--init") {
		t.Fatalf("token create on an empty schema: %v", err)
	}
	out, errOut2, err := runCmd(env, "token", "create", "--org", "acme", "--role", "owner", "--init")
	if err != nil || !strings.HasPrefix(out, "spt_") {
		t.Fatalf("token create --init: %q %v %s", out, err, errOut2)
	}
	for _, s := range []string{errOut, errOut2, err2s(err)} {
		if strings.Contains(s, "pw-not-shown-7781") {
			t.Fatalf("the password was shown: %s", s)
		}
	}
	if !strings.Contains(errOut2, "database PostgreSQL postgres://postgres@") {
		t.Fatalf("stderr does not name the database: %q", errOut2)
	}
}

func err2s(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
