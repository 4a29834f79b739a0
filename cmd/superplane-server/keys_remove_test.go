package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
)

// TestKeysRemoveOnlyWhatNothingNeeds: a key can be retired with `keys
// remove` only once nothing is sealed under it. While the database holds
// records under it (a new key was made active but nothing rewrapped yet)
// the command refuses, naming the key and `keys rotate`, and leaves the
// file alone; the active key and an unknown id are refused too. After
// `keys rotate --rewrap-only` it removes the key, and keys check and serve
// accept the file. A key taken out of the file by hand before that makes
// serve refuse to start, naming the key and both ways out.
func TestKeysRemoveOnlyWhatNothingNeeds(t *testing.T) {
	dir := t.TempDir()
	seedDataDir(t, dir)
	keyFile := filepath.Join(dir, "encryption.keys")
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_LISTEN": "127.0.0.1:0"})
	ctx := t.Context()
	keys := func() *keyring.Keyring {
		t.Helper()
		ring, err := keyring.Load(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		return ring
	}
	old := keys().ActiveID()
	newID, err := keyring.PrependNewKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	// The old key still seals the secret and the source's signing key.
	err = run(ctx, []string{"keys", "remove", old}, io.Discard, io.Discard, env)
	for _, want := range []string{"refusing to remove", old, "2 sealed records", "keys rotate"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("keys remove of a key data is sealed under: %v; want an error mentioning %q", err, want)
		}
	}
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(after, before) {
		t.Fatal("a refused keys remove changed the key file")
	}
	if err := run(ctx, []string{"keys", "remove", newID}, io.Discard, io.Discard, env); err == nil || !strings.Contains(err.Error(), "active key") {
		t.Fatalf("keys remove of the active key: %v", err)
	}
	if err := run(ctx, []string{"keys", "remove", "k-none"}, io.Discard, io.Discard, env); err == nil || !strings.Contains(err.Error(), "holds no key") {
		t.Fatalf("keys remove of an unknown id: %v", err)
	}

	// Taken out by hand anyway: serve refuses to start.
	if err := os.WriteFile(keyFile, []byte(strings.SplitN(string(before), "\n", 2)[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	serveCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	err = run(serveCtx, []string{"serve"}, io.Discard, io.Discard, env)
	cancel()
	for _, want := range []string{"refusing to start", old + " (2)", "Put the missing keys back", "keys rotate", "keys remove"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("serve without a key the data needs: %v; want an error mentioning %q", err, want)
		}
	}
	if err := os.WriteFile(keyFile, before, 0o600); err != nil {
		t.Fatal(err)
	}

	// Rewrapped: the old key goes, the rest of the file stays.
	if err := run(ctx, []string{"keys", "rotate", "--rewrap-only"}, io.Discard, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"keys", "remove", old}, &out, io.Discard, env); err != nil {
		t.Fatalf("keys remove after the rewrap: %v", err)
	}
	if ring := keys(); ring.Has(old) || ring.ActiveID() != newID || len(ring.IDs()) != 1 {
		t.Fatalf("the key file after keys remove holds %v; want %s alone", ring.IDs(), newID)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file after keys remove: %v, %v; want mode 600", fi, err)
	}
	if err := run(ctx, []string{"keys", "check"}, io.Discard, io.Discard, env); err != nil {
		t.Fatalf("keys check after keys remove: %v", err)
	}
	startServe(t, env) // fails the test unless serve reports its address
}
