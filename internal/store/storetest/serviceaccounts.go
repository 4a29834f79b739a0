package storetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func mustAccount(t *testing.T, s store.Store, orgID, name, role string) store.ServiceAccount {
	t.Helper()
	ts := now()
	a, err := s.CreateServiceAccount(t.Context(), store.ServiceAccount{
		ID: uuid.NewString(), OrgID: orgID, Name: name, Description: "about " + name, Role: role,
		CreatedBy: "creator", CreatedAt: ts, UpdatedAt: ts,
	})
	if err != nil {
		t.Fatalf("CreateServiceAccount(%q): %v", name, err)
	}
	return a
}

func mustAccountToken(t *testing.T, s store.Store, a store.ServiceAccount, name string, hash byte, expires time.Time) store.ServiceAccountToken {
	t.Helper()
	tok, err := s.CreateServiceAccountToken(t.Context(), store.ServiceAccountToken{
		ServiceAccountID: a.ID, OrgID: a.OrgID, Name: name, Hash: bytes.Repeat([]byte{hash}, 32),
		CreatedAt: now(), ExpiresAt: expires, Role: "owner",
	})
	if err != nil {
		t.Fatalf("CreateServiceAccountToken(%q): %v", name, err)
	}
	return tok
}

// testServiceAccounts: accounts are per organization with unique names,
// found by id or name (never another organization's), listed by name,
// updated and renamed, and deleted with their user.
func testServiceAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme := mustOrg(t, s, "acme")
	globex := mustOrg(t, s, "globex")
	deploy := mustAccount(t, s, acme.ID, "deploy", "admin")
	mustAccount(t, s, acme.ID, "audit", "viewer")
	other := mustAccount(t, s, globex.ID, "deploy", "owner")
	if deploy.UserID == "" || deploy.UserID == other.UserID || deploy.Role != "admin" || deploy.Description != "about deploy" {
		t.Fatalf("created account: %+v", deploy)
	}
	if _, err := s.CreateServiceAccount(ctx, store.ServiceAccount{ID: uuid.NewString(), OrgID: acme.ID, Name: "deploy", Role: "viewer",
		CreatedAt: now(), UpdatedAt: now()}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second deploy in acme: %v, want ErrConflict", err)
	}
	for _, idOrName := range []string{deploy.ID, "deploy"} {
		got, err := s.FindServiceAccount(ctx, acme.ID, idOrName)
		if err != nil {
			t.Fatalf("FindServiceAccount(%q): %v", idOrName, err)
		}
		equal(t, "found account", got, deploy)
	}
	if _, err := s.FindServiceAccount(ctx, globex.ID, deploy.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("acme's account from globex: %v, want ErrNotFound", err)
	}
	list, err := s.ListServiceAccounts(ctx, acme.ID)
	if err != nil || len(list) != 2 || list[0].Name != "audit" || list[1].Name != "deploy" {
		t.Fatalf("ListServiceAccounts: %+v, %v", list, err)
	}

	// A rename keeps the account's user; the failed update changes nothing.
	later := now().Add(time.Minute)
	renamed, err := s.UpdateServiceAccount(ctx, acme.ID, "deploy", func(a *store.ServiceAccount) error {
		a.Name, a.Description, a.Role, a.UpdatedAt, a.UserID = "ship", "ships", "viewer", later, "someone-else"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateServiceAccount: %v", err)
	}
	if renamed.Name != "ship" || renamed.Role != "viewer" || renamed.UserID != deploy.UserID || !renamed.UpdatedAt.Equal(later) || !renamed.CreatedAt.Equal(deploy.CreatedAt) {
		t.Fatalf("updated account: %+v", renamed)
	}
	if _, err := s.UpdateServiceAccount(ctx, acme.ID, "ship", func(a *store.ServiceAccount) error {
		a.Name = "audit"
		return nil
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("rename onto audit: %v, want ErrConflict", err)
	}
	stop := errors.New("stop")
	if _, err := s.UpdateServiceAccount(ctx, acme.ID, "ship", func(*store.ServiceAccount) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("fn's error: %v", err)
	}

	if err := s.DeleteServiceAccount(ctx, globex.ID, deploy.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete acme's account from globex: %v, want ErrNotFound", err)
	}
	if err := s.DeleteServiceAccount(ctx, acme.ID, "ship"); err != nil {
		t.Fatalf("DeleteServiceAccount: %v", err)
	}
	if err := s.DeleteServiceAccount(ctx, acme.ID, "ship"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	// The name is free again, and the new account is another user.
	again := mustAccount(t, s, acme.ID, "ship", "admin")
	if again.UserID == deploy.UserID {
		t.Fatal("a new account reuses the deleted one's user")
	}
}

// testServiceAccountTokens: an account's tokens authenticate as the
// account's user with its role (following a role change), are listed
// without hashes, revoked one by one or all with the account.
func testServiceAccountTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme := mustOrg(t, s, "acme")
	globex := mustOrg(t, s, "globex")
	a := mustAccount(t, s, acme.ID, "deploy", "admin")
	b := mustAccount(t, s, acme.ID, "audit", "viewer")
	expires := now().Add(24 * time.Hour)
	first := mustAccountToken(t, s, a, "ci", 1, expires)
	second := mustAccountToken(t, s, a, "ci", 2, expires.Add(time.Hour))
	mustAccountToken(t, s, b, "read", 3, expires)
	if first.Role != "admin" || first.Hash != nil || first.Name != "ci" || !first.ExpiresAt.Equal(expires) || first.ID == "" {
		t.Fatalf("created token: %+v", first)
	}
	p, err := s.FindPrincipal(ctx, bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatalf("FindPrincipal: %v", err)
	}
	if p.User.ID != a.UserID || p.Role != "admin" || p.Organization.ID != acme.ID || p.Token.ID != first.ID ||
		!strings.HasSuffix(p.User.Email, store.ServiceAccountEmailDomain) {
		t.Fatalf("principal of the account's token: %+v", p)
	}
	if _, err := s.CreateServiceAccountToken(ctx, store.ServiceAccountToken{ServiceAccountID: a.ID, OrgID: acme.ID,
		Name: "dup", Hash: bytes.Repeat([]byte{1}, 32), CreatedAt: now()}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stored hash again: %v, want ErrConflict", err)
	}
	if _, err := s.CreateServiceAccountToken(ctx, store.ServiceAccountToken{ServiceAccountID: a.ID, OrgID: globex.ID,
		Name: "x", Hash: bytes.Repeat([]byte{9}, 32), CreatedAt: now()}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a token of acme's account in globex: %v, want ErrNotFound", err)
	}

	list, err := s.ListServiceAccountTokens(ctx, acme.ID, a.ID)
	if err != nil {
		t.Fatalf("ListServiceAccountTokens: %v", err)
	}
	equal(t, "deploy's tokens", list, []store.ServiceAccountToken{first, second})
	if other, _ := s.ListServiceAccountTokens(ctx, globex.ID, a.ID); len(other) != 0 {
		t.Fatalf("acme's tokens listed from globex: %+v", other)
	}

	// A role change reaches the tokens at once.
	if _, err := s.UpdateServiceAccount(ctx, acme.ID, a.ID, func(x *store.ServiceAccount) error {
		x.Role = "viewer"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.FindPrincipal(ctx, bytes.Repeat([]byte{2}, 32)); err != nil || p.Role != "viewer" {
		t.Fatalf("after the role change: %+v, %v", p.Role, err)
	}

	if err := s.DeleteServiceAccountToken(ctx, acme.ID, b.ID, first.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting deploy's token through audit: %v, want ErrNotFound", err)
	}
	if err := s.DeleteServiceAccountToken(ctx, acme.ID, a.ID, first.ID); err != nil {
		t.Fatalf("DeleteServiceAccountToken: %v", err)
	}
	if _, err := s.FindPrincipal(ctx, bytes.Repeat([]byte{1}, 32)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a revoked token still authenticates: %v", err)
	}
	if _, err := s.FindServiceAccountToken(ctx, acme.ID, a.ID, first.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a revoked token is found: %v", err)
	}
	if got, err := s.FindServiceAccountToken(ctx, acme.ID, a.ID, second.ID); err != nil || got.ID != second.ID || got.Role != "viewer" {
		t.Fatalf("FindServiceAccountToken: %+v, %v", got, err)
	}

	// Deleting the account revokes its tokens, and only its own.
	if err := s.DeleteServiceAccount(ctx, acme.ID, a.ID); err != nil {
		t.Fatalf("DeleteServiceAccount: %v", err)
	}
	if _, err := s.FindPrincipal(ctx, bytes.Repeat([]byte{2}, 32)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted account's token still authenticates: %v", err)
	}
	if _, err := s.FindPrincipal(ctx, bytes.Repeat([]byte{3}, 32)); err != nil {
		t.Fatalf("another account's token stopped working: %v", err)
	}
}
