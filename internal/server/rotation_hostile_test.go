package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// wrappedEnv is a server over a store wrapped by the test, with an owner's
// token; keyFile is the server's key file.
type wrappedEnv struct {
	url, token, keyFile string
	store               store.Store
	keys                *keyring.KeySource
}

func newWrappedEnv(t *testing.T, wrap func(store.Store) store.Store) *wrappedEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keyFile := filepath.Join(dir, "keys")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		t.Fatal(err)
	}
	ks, err := keyring.FileKeys(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	hostile, log := wrap(st), slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(server.New(hostile, service.New(hostile, sealer.New(ks), log), log))
	t.Cleanup(srv.Close)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.EnsureUser(ctx, org.ID, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok, hash, err := service.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: api.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	return &wrappedEnv{url: srv.URL, token: tok, keyFile: keyFile, store: st, keys: ks}
}

// slowStore holds every secret insert until released: a write that sealed
// its data before a rotation and commits after it.
type slowStore struct {
	store.Store
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) CreateSecret(ctx context.Context, sec store.Secret) error {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.CreateSecret(ctx, sec)
}

// TestRotationRacingAWrite is the race TestKeyRotationUnderLoad (in
// internal/reliability) hit once under load, made certain: a secret is
// sealed under the old key, `keys rotate` adds a key and finishes its last
// pass, and only then does the write commit. The secret must still end up
// under the new key, or removing the old key after the rotation (as the
// README tells operators to) loses it.
func TestRotationRacingAWrite(t *testing.T) {
	slow := &slowStore{entered: make(chan struct{}), release: make(chan struct{})}
	e := newWrappedEnv(t, func(st store.Store) store.Store { slow.Store = st; return slow })
	oldKey := e.keys.Keyring().ActiveID()
	done := make(chan int, 1)
	go func() {
		body, _ := json.Marshal(secretBody(api.DomainTypeOrganization, "", "racer", map[string]string{"k": "v"}))
		req, _ := http.NewRequest("POST", e.url+"/api/v1/secrets", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	select {
	case <-slow.entered: // sealed under the old key, not yet stored
	case <-time.After(10 * time.Second):
		t.Fatal("the create never reached the store")
	}
	newKey, err := keyring.PrependNewKey(e.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.RotateKeys(context.Background(), e.store, sealer.New(e.keys), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	close(slow.release)
	if status := <-done; status != http.StatusOK {
		t.Fatalf("create: %d", status)
	}
	left, err := e.store.SecretsNotUnderKey(context.Background(), newKey, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range left {
		t.Errorf("secret %s is under key %s after the rotation to %s finished (old key %s)", s.Name, s.KeyID, newKey, oldKey)
	}
}
