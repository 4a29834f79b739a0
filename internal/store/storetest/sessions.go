package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testSessions: a console session finds its token's principal by the hash
// of its id, keeps its times, is touched forwards only and revoked once;
// revoking or replacing its token ends it (the row goes with the token).
func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme := mustOrg(t, s, "acme")
	ada := mustUser(t, s, acme.ID, "ada@example.com")
	created := now().Add(-time.Hour)
	tok := store.Token{ID: uuid.NewString(), Hash: bytes.Repeat([]byte{7}, 32), UserID: ada.ID, OrgID: acme.ID, Role: "viewer", CreatedAt: created}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	sess := store.Session{ID: uuid.NewString(), Hash: bytes.Repeat([]byte{8}, 32), TokenID: tok.ID,
		CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.CreateSession(ctx, store.Session{Hash: bytes.Repeat([]byte{9}, 32), TokenID: uuid.NewString(),
		CreatedAt: created, LastSeenAt: created, ExpiresAt: created}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateSession for a missing token: got %v, want ErrNotFound", err)
	}
	got, p, err := s.FindSession(ctx, sess.Hash)
	if err != nil {
		t.Fatalf("FindSession: %v", err)
	}
	want := sess
	want.Hash = nil
	equal(t, "session", got, want)
	if p.User.ID != ada.ID || p.Organization.Name != "acme" || p.Role != "viewer" || p.Token.ID != tok.ID {
		t.Fatalf("principal = %+v, want ada's viewer token in acme", p)
	}
	if _, _, err := s.FindSession(ctx, bytes.Repeat([]byte{9}, 32)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FindSession of an unknown hash: got %v, want ErrNotFound", err)
	}

	later := created.Add(30 * time.Minute)
	if err := s.TouchSession(ctx, sess.ID, later); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	if err := s.TouchSession(ctx, sess.ID, created.Add(time.Minute)); err != nil {
		t.Fatalf("TouchSession backwards: %v", err)
	}
	if got, _, _ := s.FindSession(ctx, sess.Hash); !got.LastSeenAt.Equal(later) {
		t.Fatalf("LastSeenAt = %v, want %v (touches never move it back)", got.LastSeenAt, later)
	}
	revoked := later.Add(time.Minute)
	if err := s.RevokeSession(ctx, sess.ID, revoked); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if err := s.RevokeSession(ctx, sess.ID, revoked.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeSession again: %v", err)
	}
	if got, _, _ := s.FindSession(ctx, sess.Hash); !got.RevokedAt.Equal(revoked) {
		t.Fatalf("RevokedAt = %v, want the first revocation %v", got.RevokedAt, revoked)
	}

	// A second session on the token; revoking the token ends both.
	other := store.Session{Hash: bytes.Repeat([]byte{10}, 32), TokenID: tok.ID, CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(time.Hour)}
	if err := s.CreateSession(ctx, other); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	for _, h := range [][]byte{sess.Hash, other.Hash} {
		if _, _, err := s.FindSession(ctx, h); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("FindSession after the token was revoked: got %v, want ErrNotFound", err)
		}
	}
}
