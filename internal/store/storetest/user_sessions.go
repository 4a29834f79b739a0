package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testUserSessions: a user's sessions are listed (their console sessions
// and CLI sign-ins, not another user's); ending a console session deletes
// the token minted for it but never a pasted one; a user revokes only
// their own sessions, one or all but the one they keep.
func testUserSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme := mustOrg(t, s, "acme")
	ada := mustUser(t, s, acme.ID, "ada@example.com")
	bob := mustUser(t, s, acme.ID, "bob@example.com")
	created := now().Add(-time.Hour)
	hashByte := byte(20)
	token := func(u store.User, kind string) store.Token {
		t.Helper()
		hashByte++
		tok := store.Token{ID: uuid.NewString(), Hash: bytes.Repeat([]byte{hashByte}, 32), UserID: u.ID, OrgID: acme.ID,
			Role: "viewer", CreatedAt: created, ExpiresAt: created.Add(24 * time.Hour), SessionKind: kind}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		return tok
	}
	session := func(tok store.Token, provider string, age time.Duration) store.Session {
		t.Helper()
		hashByte++
		ss := store.Session{ID: uuid.NewString(), Hash: bytes.Repeat([]byte{hashByte}, 32), TokenID: tok.ID, AuthProvider: provider,
			CreatedAt: created.Add(age), LastSeenAt: created.Add(age), ExpiresAt: created.Add(24 * time.Hour)}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		return ss
	}
	tokenLive := func(tok store.Token) bool {
		t.Helper()
		_, err := s.FindPrincipal(ctx, tok.Hash)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("FindPrincipal: %v", err)
		}
		return err == nil
	}
	ids := func(u store.User) []string {
		t.Helper()
		list, err := s.ListUserSessions(ctx, acme.ID, u.ID)
		if err != nil {
			t.Fatalf("ListUserSessions: %v", err)
		}
		var out []string
		for _, us := range list {
			out = append(out, us.ID)
		}
		return out
	}

	pasted := token(ada, "")
	minted := token(ada, store.SessionConsole)
	cli := token(ada, store.SessionCLI)
	onPasted := session(pasted, "", time.Minute)
	onMinted := session(minted, "github", 2*time.Minute)
	bobs := session(token(bob, store.SessionConsole), "google", 3*time.Minute)

	got, err := s.ListUserSessions(ctx, acme.ID, ada.ID)
	if err != nil {
		t.Fatalf("ListUserSessions: %v", err)
	}
	equal(t, "ada's sessions", got, []store.UserSession{
		{ID: onMinted.ID, Kind: store.SessionConsole, TokenID: minted.ID, TokenKind: store.SessionConsole, AuthProvider: "github",
			CreatedAt: onMinted.CreatedAt, LastSeenAt: onMinted.LastSeenAt, ExpiresAt: onMinted.ExpiresAt},
		{ID: onPasted.ID, Kind: store.SessionConsole, TokenID: pasted.ID, CreatedAt: onPasted.CreatedAt, LastSeenAt: onPasted.LastSeenAt, ExpiresAt: onPasted.ExpiresAt},
		{ID: cli.ID, Kind: store.SessionCLI, TokenID: cli.ID, TokenKind: store.SessionCLI, CreatedAt: cli.CreatedAt, ExpiresAt: cli.ExpiresAt},
	})
	if _, p, err := s.FindSession(ctx, onMinted.Hash); err != nil || p.Token.SessionKind != store.SessionConsole {
		t.Fatalf("FindSession: token kind %q, %v; want %q", p.Token.SessionKind, err, store.SessionConsole)
	}

	// Signing out: the minted token goes with its session, the pasted one stays.
	if err := s.RevokeSession(ctx, onMinted.ID, created.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if tokenLive(minted) {
		t.Fatal("the token minted for a session still authenticates after its session was revoked")
	}
	if err := s.RevokeSession(ctx, onPasted.ID, created.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if !tokenLive(pasted) {
		t.Fatal("revoking a session opened with a pasted token deleted that token")
	}
	equal(t, "ada's sessions after two sign-outs", ids(ada), []string{cli.ID})

	// Another user's session is not found, and stays.
	if err := s.RevokeUserSession(ctx, acme.ID, ada.ID, bobs.ID, created); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeUserSession of another user's session: got %v, want ErrNotFound", err)
	}
	if err := s.RevokeUserSession(ctx, acme.ID, ada.ID, pasted.ID, created); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeUserSession of a pasted token's id: got %v, want ErrNotFound", err)
	}
	equal(t, "bob's sessions", ids(bob), []string{bobs.ID})
	if err := s.RevokeUserSession(ctx, acme.ID, ada.ID, cli.ID, created); err != nil {
		t.Fatalf("RevokeUserSession of a CLI sign-in: %v", err)
	}
	if tokenLive(cli) {
		t.Fatal("a revoked CLI sign-in's token still authenticates")
	}

	// All but one.
	keep := session(pasted, "", 10*time.Minute)
	minted2 := token(ada, store.SessionConsole)
	session(minted2, "github", 11*time.Minute)
	other := session(pasted, "", 12*time.Minute)
	cli2 := token(ada, store.SessionCLI)
	n, err := s.RevokeUserSessions(ctx, acme.ID, ada.ID, keep.ID, created.Add(time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("RevokeUserSessions = %d, %v; want 3 ended", n, err)
	}
	equal(t, "ada's sessions after revoking the others", ids(ada), []string{keep.ID})
	if tokenLive(minted2) || tokenLive(cli2) || !tokenLive(pasted) {
		t.Fatalf("after revoking the others: minted %v, cli %v, pasted %v; want false, false, true", tokenLive(minted2), tokenLive(cli2), tokenLive(pasted))
	}
	if got, _, _ := s.FindSession(ctx, other.Hash); got.RevokedAt.IsZero() {
		t.Fatal("another session on the pasted token was not revoked")
	}
	equal(t, "bob's sessions", ids(bob), []string{bobs.ID})
	if n, err := s.RevokeUserSessions(ctx, acme.ID, ada.ID, "", created.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("RevokeUserSessions of all = %d, %v; want 1", n, err)
	}

	// A CLI sign-in's token pasted into the console: revoking the others
	// from that console session keeps the token it stands on.
	cli3 := token(ada, store.SessionCLI)
	onCLI := session(cli3, "", 20*time.Minute)
	if _, err := s.RevokeUserSessions(ctx, acme.ID, ada.ID, onCLI.ID, created.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeUserSessions: %v", err)
	}
	if got, _, err := s.FindSession(ctx, onCLI.Hash); err != nil || !got.RevokedAt.IsZero() || !tokenLive(cli3) {
		t.Fatalf("the kept session on a CLI token: %+v, %v, token live %v; want it alive", got, err, tokenLive(cli3))
	}
}
