package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func testCreateSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c1 := mustCanvas(t, s, org.ID, "one")
	c2 := mustCanvas(t, s, org.ID, "two")

	// The same name in three domains.
	mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "db"))
	mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c1.ID, "db"))
	mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c2.ID, "db"))

	for _, dup := range []store.Secret{
		newSecret(org.ID, store.DomainOrganization, org.ID, "db"),
		newSecret(org.ID, store.DomainCanvas, c1.ID, "db"),
	} {
		wantErr(t, s.CreateSecret(ctx, dup), store.ErrConflict, `"db"`)
		_, err := s.FindSecret(ctx, dup.OrgID, dup.DomainType, dup.DomainID, dup.ID)
		wantErr(t, err, store.ErrNotFound)
	}

	// A canvas secret needs its canvas, in the same organization.
	wantErr(t, s.CreateSecret(ctx, newSecret(org.ID, store.DomainCanvas, uuid.NewString(), "x")), store.ErrNotFound)
	other := mustOrg(t, s, "globex")
	wantErr(t, s.CreateSecret(ctx, newSecret(other.ID, store.DomainCanvas, c1.ID, "x")), store.ErrNotFound)
	// An organization secret's domain is its organization.
	if err := s.CreateSecret(ctx, newSecret(org.ID, store.DomainOrganization, other.ID, "x")); err == nil {
		t.Error("CreateSecret accepted an organization secret whose domain is another organization")
	}
	if err := s.CreateSecret(ctx, newSecret(org.ID, "DOMAIN_TYPE_NONSENSE", org.ID, "x")); err == nil {
		t.Error("CreateSecret accepted an unknown domain type")
	}
}

func testFindSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c1 := mustCanvas(t, s, org.ID, "one")
	c2 := mustCanvas(t, s, org.ID, "two")
	orgSecret := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "org-only"))
	canvasSecret := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c1.ID, "canvas-only"))

	for _, want := range []store.Secret{orgSecret, canvasSecret} {
		for _, idOrName := range []string{want.ID, want.Name} {
			got, err := s.FindSecret(ctx, org.ID, want.DomainType, want.DomainID, idOrName)
			if err != nil {
				t.Fatalf("FindSecret(%q): %v", idOrName, err)
			}
			equal(t, "FindSecret("+idOrName+")", got, want)
		}
	}

	other := mustOrg(t, s, "globex")
	for _, tc := range []struct{ what, org, typ, domain, idOrName string }{
		{"canvas secret via the organization domain", org.ID, store.DomainOrganization, org.ID, canvasSecret.ID},
		{"canvas secret by name via the organization domain", org.ID, store.DomainOrganization, org.ID, canvasSecret.Name},
		{"canvas secret via another canvas", org.ID, store.DomainCanvas, c2.ID, canvasSecret.ID},
		{"organization secret via a canvas", org.ID, store.DomainCanvas, c1.ID, orgSecret.Name},
		{"secret via another organization", other.ID, store.DomainOrganization, other.ID, orgSecret.ID},
		{"canvas secret via another organization", other.ID, store.DomainCanvas, c1.ID, canvasSecret.ID},
		{"a missing name", org.ID, store.DomainOrganization, org.ID, "missing"},
		{"a domain id that is not a UUID", org.ID, store.DomainCanvas, "one", canvasSecret.Name},
	} {
		_, err := s.FindSecret(ctx, tc.org, tc.typ, tc.domain, tc.idOrName)
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: error %v, want not found", tc.what, err)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("secret %q not found", tc.idOrName)) {
			t.Errorf("%s: message %q does not name %q", tc.what, err, tc.idOrName)
		}
	}
}

func testListSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c1 := mustCanvas(t, s, org.ID, "one")
	b := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "b"))
	a := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "a"))
	inCanvas := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c1.ID, "a"))
	noKeys := newSecret(org.ID, store.DomainCanvas, c1.ID, "empty")
	noKeys.Keys = nil
	mustSecret(t, s, noKeys)

	// A list carries no sealed data.
	unsealed := func(secs ...store.Secret) []store.Secret {
		for i := range secs {
			secs[i].KeyID, secs[i].Ciphertext = "", nil
		}
		return secs
	}
	got, err := s.ListSecrets(ctx, org.ID, store.DomainOrganization, org.ID)
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	equal(t, "organization secrets", got, unsealed(a, b))

	got, err = s.ListSecrets(ctx, org.ID, store.DomainCanvas, c1.ID)
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	noKeys.Keys = []string{} // read back as an empty list, never nil
	equal(t, "canvas secrets", got, unsealed(inCanvas, noKeys))

	// Pages: a keyset seek by name.
	got, err = s.ListSecretsPage(ctx, org.ID, store.DomainOrganization, org.ID, store.Page{Limit: 1})
	if err != nil {
		t.Fatalf("ListSecretsPage: %v", err)
	}
	equal(t, "first page of one", got, unsealed(a))
	got, err = s.ListSecretsPage(ctx, org.ID, store.DomainOrganization, org.ID, store.Page{After: "a", Limit: 5})
	if err != nil {
		t.Fatalf("ListSecretsPage: %v", err)
	}
	equal(t, "page after a", got, unsealed(b))

	other := mustOrg(t, s, "globex")
	if got, err := s.ListSecrets(ctx, other.ID, store.DomainCanvas, c1.ID); err != nil || len(got) != 0 {
		t.Errorf("another organization lists %v, %v; want none", got, err)
	}
}

func testUpdateSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c1 := mustCanvas(t, s, org.ID, "one")
	sec := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c1.ID, "db"))
	mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c1.ID, "taken"))
	later := sec.UpdatedAt.Add(time.Minute)

	got, err := s.UpdateSecret(ctx, org.ID, store.DomainCanvas, c1.ID, "db", func(s *store.Secret) error {
		s.Name, s.Keys, s.KeyID, s.Ciphertext = "database", []string{"url"}, "key-2", []byte("sealed again")
		s.Version++
		s.UpdatedAt = later
		// Moving the secret is not the update function's to decide.
		s.ID, s.OrgID, s.DomainType, s.DomainID = uuid.NewString(), uuid.NewString(), store.DomainOrganization, org.ID
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateSecret: %v", err)
	}
	want := sec
	want.Name, want.Keys, want.KeyID, want.Ciphertext = "database", []string{"url"}, "key-2", []byte("sealed again")
	want.Version, want.UpdatedAt = 2, later
	equal(t, "updated secret", got, want)
	equal(t, "stored secret", findSecret(t, s, sec), want)

	errFn := errors.New("refused by fn")
	_, err = s.UpdateSecret(ctx, org.ID, store.DomainCanvas, c1.ID, sec.ID, func(s *store.Secret) error {
		s.Version++
		s.Ciphertext[0] = 'X' // even an in-place change of the loaded value
		return errFn
	})
	if err != errFn {
		t.Fatalf("UpdateSecret returned %v, want fn's error unchanged", err)
	}
	_, err = s.UpdateSecret(ctx, org.ID, store.DomainCanvas, c1.ID, sec.ID, func(s *store.Secret) error {
		s.Name = "taken"
		s.Version++
		return nil
	})
	wantErr(t, err, store.ErrConflict, `"taken"`)
	equal(t, "secret after refused updates", findSecret(t, s, sec), want)

	_, err = s.UpdateSecret(ctx, org.ID, store.DomainOrganization, org.ID, sec.ID, func(*store.Secret) error {
		t.Error("fn called for a secret outside the domain")
		return nil
	})
	wantErr(t, err, store.ErrNotFound, sec.ID)
	_, err = s.UpdateSecret(ctx, org.ID, store.DomainCanvas, c1.ID, "missing", func(*store.Secret) error { return nil })
	wantErr(t, err, store.ErrNotFound, `"missing"`)
}

func testUpdateSecretConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	sec := newSecret(org.ID, store.DomainOrganization, org.ID, "counter")
	sec.Version = 7
	mustSecret(t, s, sec)

	errs := concurrently(func(int) error {
		_, err := s.UpdateSecret(ctx, org.ID, store.DomainOrganization, org.ID, "counter", func(s *store.Secret) error {
			s.Version++
			return nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent UpdateSecret %d: %v", i, err)
		}
	}
	if got := findSecret(t, s, sec).Version; got != sec.Version+Concurrency {
		t.Fatalf("version after %d concurrent increments = %d, want %d (lost updates)", Concurrency, got, sec.Version+Concurrency)
	}
}

func testDeleteSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c1 := mustCanvas(t, s, org.ID, "one")
	byID := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "a"))
	byName := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c1.ID, "b"))

	// Not from another domain.
	wantErr(t, s.DeleteSecret(ctx, org.ID, store.DomainOrganization, org.ID, byName.ID), store.ErrNotFound, byName.ID)

	if err := s.DeleteSecret(ctx, org.ID, store.DomainOrganization, org.ID, byID.ID); err != nil {
		t.Fatalf("DeleteSecret by id: %v", err)
	}
	if err := s.DeleteSecret(ctx, org.ID, store.DomainCanvas, c1.ID, "b"); err != nil {
		t.Fatalf("DeleteSecret by name: %v", err)
	}
	for _, sec := range []store.Secret{byID, byName} {
		_, err := s.FindSecret(ctx, sec.OrgID, sec.DomainType, sec.DomainID, sec.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	wantErr(t, s.DeleteSecret(ctx, org.ID, store.DomainCanvas, c1.ID, "b"), store.ErrNotFound, `secret "b" not found`)
}

func testRewrap(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "globex")
	old1 := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "old1"))
	old2 := mustSecret(t, s, newSecret(other.ID, store.DomainOrganization, other.ID, "old2"))
	current := newSecret(org.ID, store.DomainOrganization, org.ID, "current")
	current.KeyID = "key-2"
	mustSecret(t, s, current)

	got, err := s.SecretsNotUnderKey(ctx, "key-2", 10)
	if err != nil {
		t.Fatalf("SecretsNotUnderKey: %v", err)
	}
	want := []store.Secret{old1, old2}
	if old2.ID < old1.ID {
		want = []store.Secret{old2, old1}
	}
	equal(t, "secrets not under key-2 (all organizations)", got, want)
	if got, _ := s.SecretsNotUnderKey(ctx, "key-2", 1); len(got) != 1 {
		t.Errorf("SecretsNotUnderKey with limit 1 returned %d secrets", len(got))
	}

	ok, err := s.RewrapSecret(ctx, old1.ID, old1.Ciphertext, []byte("rewrapped"), "key-2")
	if err != nil || !ok {
		t.Fatalf("RewrapSecret = %v, %v; want true", ok, err)
	}
	wantOld1 := old1
	wantOld1.Ciphertext, wantOld1.KeyID = []byte("rewrapped"), "key-2" // version and times unchanged
	equal(t, "rewrapped secret", findSecret(t, s, old1), wantOld1)

	// The old ciphertext is stale now: a second rewrap from it must not win.
	ok, err = s.RewrapSecret(ctx, old1.ID, old1.Ciphertext, []byte("stale"), "key-3")
	if err != nil || ok {
		t.Fatalf("RewrapSecret from a stale ciphertext = %v, %v; want false", ok, err)
	}
	equal(t, "secret after a stale rewrap", findSecret(t, s, old1), wantOld1)
	if ok, err := s.RewrapSecret(ctx, uuid.NewString(), old1.Ciphertext, []byte("x"), "key-2"); err != nil || ok {
		t.Errorf("RewrapSecret of a missing secret = %v, %v; want false", ok, err)
	}

	got, _ = s.SecretsNotUnderKey(ctx, "key-2", 10)
	equal(t, "secrets not under key-2 after rewrap", got, []store.Secret{old2})
}
