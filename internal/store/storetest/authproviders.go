package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testAuthProviders: auth providers are kept per organization (names
// unique in one, free across), their sealed secret and config round-trip,
// an update keeps id, type and creation, and a deletion takes the
// identities along but not the users; the sealed key id counts as in use.
func testAuthProviders(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme, other := mustOrg(t, s, "acme"), mustOrg(t, s, "other")
	at := now()
	ap := store.AuthProvider{ID: uuid.NewString(), OrgID: acme.ID, Name: "gh", Type: "github", Config: []byte(`{"clientId":"c"}`),
		KeyID: "k1", Ciphertext: []byte{1, 2, 3}, CreatedAt: at, UpdatedAt: at}
	got, err := s.CreateAuthProvider(ctx, ap)
	if err != nil {
		t.Fatalf("CreateAuthProvider: %v", err)
	}
	if got.ID != ap.ID || got.Type != "github" || !bytes.Equal(got.Ciphertext, ap.Ciphertext) || got.KeyID != "k1" || string(got.Config) != `{"clientId":"c"}` {
		t.Fatalf("CreateAuthProvider answered %+v", got)
	}
	dup := ap
	dup.ID = uuid.NewString()
	if _, err := s.CreateAuthProvider(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a taken name: %v, want ErrConflict", err)
	}
	dup.OrgID = other.ID
	if _, err := s.CreateAuthProvider(ctx, dup); err != nil {
		t.Fatalf("the same name in another organization: %v", err)
	}
	if _, err := s.FindAuthProvider(ctx, other.ID, ap.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another organization finds acme's provider: %v", err)
	}
	all, err := s.ListAuthProviders(ctx, "")
	if err != nil || len(all) != 2 || all[0].OrgName != "acme" || all[1].OrgName != "other" {
		t.Fatalf("ListAuthProviders(all): %+v, %v", all, err)
	}
	counts, err := s.SealedKeyIDs(ctx)
	if err != nil || counts["k1"] != 2 {
		t.Fatalf("SealedKeyIDs counts the two providers' sealed secrets: %v, %v", counts, err)
	}
	upd, err := s.UpdateAuthProvider(ctx, acme.ID, "gh", func(p *store.AuthProvider) error {
		p.Name, p.Type, p.KeyID, p.Ciphertext = "github", "google", "", nil
		return nil
	})
	if err != nil || upd.Name != "github" || upd.Type != "github" || upd.ID != ap.ID || len(upd.Ciphertext) != 0 {
		t.Fatalf("UpdateAuthProvider: %+v, %v", upd, err)
	}

	// Identities: matched by subject, then email; new users otherwise.
	ada := mustUser(t, s, acme.ID, "ada@example.com")
	u, role, err := s.SignInUser(ctx, store.SignInIdentity{ProviderID: ap.ID, OrgID: acme.ID, Subject: "1", Email: "ada@example.com", Role: "admin", At: at})
	if err != nil || u.ID != ada.ID || role != "admin" {
		t.Fatalf("SignInUser by email: %+v %q %v", u, role, err)
	}
	u, role, err = s.SignInUser(ctx, store.SignInIdentity{ProviderID: ap.ID, OrgID: acme.ID, Subject: "1", Email: "renamed@example.com", Role: "viewer", At: at})
	if err != nil || u.ID != ada.ID || role != "admin" {
		t.Fatalf("SignInUser by subject keeps the user and role: %+v %q %v", u, role, err)
	}
	var wg sync.WaitGroup
	ids := make([]string, Concurrency)
	for i := range Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, _, err := s.SignInUser(ctx, store.SignInIdentity{ProviderID: ap.ID, OrgID: acme.ID, Subject: "2", Name: "user:default/bo", Role: "viewer", At: at})
			if err == nil {
				ids[i] = u.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("concurrent first sign-ins of one subject made different users (or failed): %v", ids)
		}
	}
	if err := s.DeleteAuthProvider(ctx, acme.ID, ap.ID); err != nil {
		t.Fatalf("DeleteAuthProvider: %v", err)
	}
	if _, err := s.FindAuthProvider(ctx, acme.ID, ap.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted provider is found: %v", err)
	}
	if err := s.DeleteAuthProvider(ctx, acme.ID, ap.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if again := mustUser(t, s, acme.ID, "ada@example.com"); again.ID != ada.ID {
		t.Fatal("deleting the provider deleted its user")
	}

	// One-time codes are taken once.
	code := store.SignInCode{Hash: bytes.Repeat([]byte{4}, 32), OrgID: acme.ID, UserID: ada.ID, Role: "viewer", Challenge: "c",
		CreatedAt: at, ExpiresAt: at.Add(2 * time.Minute)}
	if err := s.CreateSignInCode(ctx, code); err != nil {
		t.Fatalf("CreateSignInCode: %v", err)
	}
	taken, err := s.TakeSignInCode(ctx, code.Hash)
	if err != nil || taken.UserID != ada.ID || taken.Challenge != "c" || !taken.ExpiresAt.Equal(code.ExpiresAt) {
		t.Fatalf("TakeSignInCode: %+v, %v", taken, err)
	}
	if _, err := s.TakeSignInCode(ctx, code.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a code taken twice: %v", err)
	}
}
