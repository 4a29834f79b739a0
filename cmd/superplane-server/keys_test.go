package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// seedDataDir makes dir a data dir as serve leaves it: the generated key
// file and a database holding a secret (value "seed-value-42") and a
// webhook event source, both created through the API.
func seedDataDir(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keyFile := filepath.Join(dir, "encryption.keys")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		t.Fatal(err)
	}
	ks, err := keyring.FileKeys(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(server.New(st, service.New(st, sealer.New(ks), log), log))
	defer srv.Close()
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.EnsureUser(ctx, org.ID, "me@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok, hash, err := service.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: "owner", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, call := range [][2]string{
		{"/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"db"},"spec":{"local":{"data":{"password":"seed-value-42"}}}}}`},
		{"/api/v1/canvases", `{"canvas":{"metadata":{"name":"deploy"}}}`},
		{"/api/v1/canvases/deploy/event-sources", `{"eventSource":{"metadata":{"name":"hook"},"spec":{"type":"webhook"}}}`},
	} {
		req, _ := http.NewRequest("POST", srv.URL+call[0], strings.NewReader(call[1]))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d %s", call[0], res.StatusCode, b)
		}
	}
}

// TestServeRefusesKeysThatCannotReadTheData: with sealed data in the
// database, serve refuses to start, with a message saying why and what to
// do, when the key file is missing (no new key is generated), unreadable, or
// holds other keys; and it starts again once the right file is back.
func TestServeRefusesKeysThatCannotReadTheData(t *testing.T) {
	dir := t.TempDir()
	seedDataDir(t, dir)
	keyFile := filepath.Join(dir, "encryption.keys")
	good, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_LISTEN": "127.0.0.1:0"})
	serveOnce := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		logs := &lockedBuffer{}
		err := run(ctx, []string{"serve"}, io.Discard, logs, env)
		return logs.String(), err
	}

	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	logs, err := serveOnce()
	for _, want := range []string{"refusing to start", keyFile, "is missing", "2 sealed records", "restore the key file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("serve without its key file: %v (logs %s); want an error mentioning %q", err, logs, want)
		}
	}
	if _, statErr := os.Stat(keyFile); !os.IsNotExist(statErr) {
		t.Fatalf("serve generated a new key file over sealed data: %v", statErr)
	}

	// Unreadable: a directory where the file should be.
	if err := os.Mkdir(keyFile, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := serveOnce(); err == nil || !strings.Contains(err.Error(), "refusing to start") || !strings.Contains(err.Error(), keyFile) {
		t.Fatalf("serve with an unreadable key file: %v", err)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}

	// Another key.
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		t.Fatal(err)
	}
	_, err = serveOnce()
	if err == nil || !strings.Contains(err.Error(), "does not hold") || !strings.Contains(err.Error(), "keys check") {
		t.Fatalf("serve with another key: %v", err)
	}
	if strings.Contains(err.Error(), "seed-value-42") {
		t.Fatal("the refusal shows a secret value")
	}

	// The right keys again: serve starts (and stops with its context),
	// warning that the data dir, opened up meanwhile, is readable by others.
	if err := os.WriteFile(keyFile, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, io.Discard, served, env) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(served.String(), "listening") && time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve with the right key file exited: %v %s", err, served.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(served.String(), "listening") {
		t.Fatalf("serve with the right key file did not start: %s", served.String())
	}
	if !strings.Contains(served.String(), "chmod 700") || !strings.Contains(served.String(), `"mode":"755"`) {
		t.Errorf("no warning about the data dir others may read: %s", served.String())
	}
}

// TestKeysCheck: keys check opens every sealed record and passes with the
// right keys; with a keyring lacking the key it names every record that
// does not open and fails; it never prints a value.
func TestKeysCheck(t *testing.T) {
	dir := t.TempDir()
	seedDataDir(t, dir)
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir})
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"keys", "check"}, &out, &errOut, env); err != nil {
		t.Fatalf("keys check with the right keys: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), ": 2 records open") || !strings.Contains(out.String(), "0 cannot be opened") {
		t.Fatalf("keys check output: %s", out.String())
	}
	if !strings.Contains(errOut.String(), filepath.Join(dir, "superplane.db")) {
		t.Errorf("keys check does not say which database it read: %s", errOut.String())
	}

	spec, err := keyring.NewKeySpec()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"keys", "check"}, &out, io.Discard,
		envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_ENCRYPTION_KEYS": spec}))
	if err == nil || !strings.Contains(err.Error(), "2 sealed records cannot be opened") {
		t.Fatalf("keys check with another key: %v\n%s", err, out.String())
	}
	for _, want := range []string{`cannot open secret "db"`, `cannot open event source signing key "hook"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("keys check output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "seed-value-42") {
		t.Fatal("keys check printed a secret value")
	}

	// It never creates a database.
	empty := filepath.Join(t.TempDir(), "elsewhere")
	err = run(context.Background(), []string{"keys", "check"}, io.Discard, io.Discard,
		envFrom(map[string]string{"SUPERPLANE_DATA_DIR": empty, "SUPERPLANE_ENCRYPTION_KEYS": spec}))
	if err == nil || !strings.Contains(err.Error(), "no SuperPlane database") {
		t.Fatalf("keys check of a missing database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, "superplane.db")); !os.IsNotExist(err) {
		t.Fatalf("keys check created a database: %v", err)
	}
}
