package storetest

import (
	"bytes"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testTokenManagement: tokens are listed (never with their hash) per
// organization or all, carry their expiry and last use, and a revoked or
// replaced token no longer finds a principal.
func testTokenManagement(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme := mustOrg(t, s, "acme")
	globex := mustOrg(t, s, "globex")
	ada := mustUser(t, s, acme.ID, "ada@example.com")
	bob := mustUser(t, s, globex.ID, "bob@example.com")
	created := now().Add(-time.Hour)
	expires := created.Add(720 * time.Hour)
	tokens := []store.Token{
		{ID: uuid.NewString(), Hash: bytes.Repeat([]byte{1}, 32), UserID: ada.ID, OrgID: acme.ID, Role: "owner", CreatedAt: created},
		{ID: uuid.NewString(), Hash: bytes.Repeat([]byte{2}, 32), UserID: ada.ID, OrgID: acme.ID, Role: "viewer", CreatedAt: created.Add(time.Second), ExpiresAt: expires},
		{ID: uuid.NewString(), Hash: bytes.Repeat([]byte{3}, 32), UserID: bob.ID, OrgID: globex.ID, Role: "admin", CreatedAt: created},
	}
	for _, tok := range tokens {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
	}
	info := func(tok store.Token, org, email string) store.TokenInfo {
		tok.Hash = nil
		return store.TokenInfo{Token: tok, Organization: org, UserEmail: email}
	}
	list := func(org string) []store.TokenInfo {
		t.Helper()
		got, err := s.ListTokens(ctx, org)
		if err != nil {
			t.Fatalf("ListTokens(%q): %v", org, err)
		}
		return got
	}
	equal(t, "every token", list(""), []store.TokenInfo{
		info(tokens[0], "acme", "ada@example.com"), info(tokens[1], "acme", "ada@example.com"),
		info(tokens[2], "globex", "bob@example.com"),
	})
	equal(t, "globex's tokens", list("globex"), []store.TokenInfo{info(tokens[2], "globex", "bob@example.com")})
	equal(t, "tokens of an unknown organization", list("initech"), []store.TokenInfo{})

	// The expiry travels with the principal; the server compares it.
	p, err := s.FindPrincipal(ctx, tokens[1].Hash)
	if err != nil {
		t.Fatalf("FindPrincipal: %v", err)
	}
	if !p.Token.ExpiresAt.Equal(expires) || p.Token.ID != tokens[1].ID || p.Token.Hash != nil {
		t.Fatalf("principal's token = %+v; want id %s expiring %s, no hash", p.Token, tokens[1].ID, expires)
	}

	// Last use moves forward only.
	used := now()
	if err := s.TouchToken(ctx, tokens[0].ID, used); err != nil {
		t.Fatalf("TouchToken: %v", err)
	}
	if err := s.TouchToken(ctx, tokens[0].ID, used.Add(-time.Minute)); err != nil {
		t.Fatalf("TouchToken (earlier): %v", err)
	}
	if err := s.TouchToken(ctx, uuid.NewString(), used); err != nil {
		t.Errorf("TouchToken of a missing token: %v", err)
	}
	if p, _ := s.FindPrincipal(ctx, tokens[0].Hash); !p.Token.LastUsedAt.Equal(used) {
		t.Errorf("last used = %s, want %s", p.Token.LastUsedAt, used)
	}
	if got := list("acme"); !got[0].LastUsedAt.Equal(used) || !got[1].LastUsedAt.IsZero() {
		t.Errorf("listed last use: %s and %s; want %s and never", got[0].LastUsedAt, got[1].LastUsedAt, used)
	}

	// Revoked: gone at once, and only that token.
	if err := s.RevokeToken(ctx, tokens[0].ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err = s.FindPrincipal(ctx, tokens[0].Hash)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.RevokeToken(ctx, tokens[0].ID), store.ErrNotFound, tokens[0].ID)
	wantErr(t, s.RevokeToken(ctx, "not-an-id"), store.ErrNotFound)
	if _, err := s.FindPrincipal(ctx, tokens[1].Hash); err != nil {
		t.Fatalf("revoking one token broke another: %v", err)
	}

	// Replaced: the old hash is refused, the new one authenticates the
	// same user with the same role and expiry.
	next := store.Token{Hash: bytes.Repeat([]byte{4}, 32), UserID: ada.ID, OrgID: acme.ID, Role: "viewer", CreatedAt: now(), ExpiresAt: expires}
	if err := s.ReplaceToken(ctx, tokens[1].ID, next); err != nil {
		t.Fatalf("ReplaceToken: %v", err)
	}
	if _, err := s.FindPrincipal(ctx, tokens[1].Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the replaced token still finds a principal: %v", err)
	}
	p, err = s.FindPrincipal(ctx, next.Hash)
	if err != nil || p.User.ID != ada.ID || p.Role != "viewer" || !p.Token.ExpiresAt.Equal(expires) {
		t.Fatalf("new token: %+v, %v", p, err)
	}
	// Replacing a token that is gone stores nothing.
	again := store.Token{Hash: bytes.Repeat([]byte{5}, 32), UserID: ada.ID, OrgID: acme.ID, Role: "viewer", CreatedAt: now()}
	wantErr(t, s.ReplaceToken(ctx, tokens[1].ID, again), store.ErrNotFound)
	if _, err := s.FindPrincipal(ctx, again.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused replacement stored its token: %v", err)
	}

	// Two replacements of one token at once: exactly one wins.
	errs := concurrently(func(i int) error {
		return s.ReplaceToken(ctx, p.Token.ID, store.Token{Hash: []byte{6, byte(i)}, UserID: ada.ID, OrgID: acme.ID, Role: "viewer", CreatedAt: now()})
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrNotFound):
			t.Errorf("concurrent ReplaceToken: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent replacements of one token succeeded, want 1", won)
	}
	if got := list("acme"); len(got) != 1 {
		t.Errorf("acme has %d tokens after the replacements, want 1", len(got))
	}
}

// testSealedRecords: every sealed blob is counted per key id and listed
// page by page, with no record skipped or repeated.
func testSealedRecords(t *testing.T, s store.Store) {
	ctx := t.Context()
	counts, err := s.SealedKeyIDs(ctx)
	if err != nil || len(counts) != 0 {
		t.Fatalf("SealedKeyIDs of an empty database = %v, %v; want none", counts, err)
	}
	acme := mustOrg(t, s, "acme")
	canvas := mustCanvas(t, s, acme.ID, "deploy")
	want := map[string]bool{}
	for i, keyID := range []string{"key-1", "key-2", "key-2", "key-1", "key-2"} {
		sec := newSecret(acme.ID, store.DomainOrganization, acme.ID, "s"+string(rune('a'+i)))
		sec.KeyID = keyID
		mustSecret(t, s, sec)
		want[store.SealedSecret+" "+sec.ID+" "+string(sec.Ciphertext)] = true
	}
	hook := newEventSource(acme.ID, canvas.ID, "hook", "webhook", store.Integration{})
	hook.PrevKeyCiphertext, hook.PrevKeyExpiresAt = []byte("previous key"), now().Add(time.Hour)
	mustEventSource(t, s, hook)
	want[store.SealedSourceKey+" "+hook.ID+" "+string(hook.KeyCiphertext)] = true
	want[store.SealedSourcePrevKey+" "+hook.ID+" previous key"] = true
	button := newEventSource(acme.ID, canvas.ID, "button", "manual", store.Integration{})
	button.KeyID, button.KeyCiphertext = "", nil // nothing sealed
	mustEventSource(t, s, button)

	counts, err = s.SealedKeyIDs(ctx)
	if err != nil {
		t.Fatalf("SealedKeyIDs: %v", err)
	}
	equal(t, "sealed records per key", counts, map[string]int{"key-1": 3, "key-2": 3})

	got := map[string]bool{}
	for _, kind := range []string{store.SealedSecret, store.SealedSourceKey} {
		after := ""
		for page := 0; page < 10; page++ {
			blobs, err := s.ListSealed(ctx, kind, after, 2)
			if err != nil {
				t.Fatalf("ListSealed(%s): %v", kind, err)
			}
			if len(blobs) == 0 {
				break
			}
			for _, b := range blobs {
				k := b.Kind + " " + b.ID + " " + string(b.Blob)
				if got[k] {
					t.Errorf("%s listed twice", k)
				}
				got[k] = true
				if b.OrgID != acme.ID || b.Name == "" {
					t.Errorf("record %+v lacks its organization or name", b)
				}
			}
			after = blobs[len(blobs)-1].ID
		}
	}
	keys := func(m map[string]bool) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	equal(t, "sealed records listed", keys(got), keys(want))
	_, err = s.ListSealed(ctx, "stage", "", 10)
	wantErr(t, err, store.ErrNotFound)
}
