package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestSQLiteFileModes: the database, its -wal and -shm files are readable by
// the owner only, and a directory Open creates is 0700, whatever the umask
// lets through (the test opens the door wide with umask 0).
func TestSQLiteFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "superplane.db")
	s := mustOpen(t, path)
	// A write makes sure the -wal and -shm files exist.
	if _, err := s.EnsureOrganization(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("database directory: %v %v, want mode 700", fi.Mode().Perm(), err)
	}
}

// TestOpenExistingOnly: ExistingOnly refuses a database that is not there
// yet without creating it, and opens one that is.
func TestOpenExistingOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "superplane.db")
	if _, err := store.Open(ctx, path, store.ExistingOnly()); !errors.Is(err, store.ErrFreshDatabase) {
		t.Fatalf("Open(ExistingOnly) of a missing file = %v, want ErrFreshDatabase", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused open left a file behind: %v", err)
	}
	mustOpen(t, path).Close()
	s, err := store.Open(ctx, path, store.ExistingOnly())
	if err != nil {
		t.Fatalf("Open(ExistingOnly) of a migrated database: %v", err)
	}
	s.Close()

	t.Run("postgres", func(t *testing.T) {
		url := postgresURL(t) // a new, empty schema
		if _, err := store.Open(ctx, url, store.ExistingOnly()); !errors.Is(err, store.ErrFreshDatabase) {
			t.Fatalf("Open(ExistingOnly) of an empty schema = %v, want ErrFreshDatabase", err)
		}
		mustOpen(t, url).Close()
		s, err := store.Open(ctx, url, store.ExistingOnly())
		if err != nil {
			t.Fatalf("Open(ExistingOnly) of a migrated schema: %v", err)
		}
		s.Close()
	})
}

// TestDescribe: the name shown for a database never holds its password.
func TestDescribe(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:hunter22@db.example.com:5432/sp?sslmode=require":            "PostgreSQL postgres://app@db.example.com:5432/sp?sslmode=require",
		"postgresql://db.example.com/sp?user=app&password=hunter22&sslmode=disable": "PostgreSQL postgresql://db.example.com/sp?sslmode=disable&user=app",
		"/var/lib/superplane/superplane.db":                                         "SQLite /var/lib/superplane/superplane.db",
		"file::memory:?mode=memory":                                                 "SQLite in memory",
	} {
		got := store.Describe(in)
		if got != want {
			t.Errorf("Describe(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "hunter22") {
			t.Errorf("Describe(%q) shows the password", in)
		}
	}
}
