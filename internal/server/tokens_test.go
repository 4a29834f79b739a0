package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// addToken stores a new token of role for a user of acme, under name in
// e.tokens, and returns its id.
func addToken(t *testing.T, e *env, name, role string, expires time.Time) string {
	t.Helper()
	ctx := context.Background()
	org, err := e.store.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.store.EnsureUser(ctx, org.ID, name+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok, hash, err := service.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: role,
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond), ExpiresAt: expires}); err != nil {
		t.Fatal(err)
	}
	p, err := e.store.FindPrincipal(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[name] = tok
	return p.Token.ID
}

// TestRevokedTokenRefusedAtOnce: a token revoked in the database is refused
// by the very next request, on this server and on a second one over the
// same database (a replica): nothing caches a principal.
func TestRevokedTokenRefusedAtOnce(t *testing.T) {
	e := newEnv(t)
	log := slog.New(slog.DiscardHandler)
	replica := httptest.NewServer(server.New(e.store, service.New(e.store, sealer.New(e.keys), log), log))
	t.Cleanup(replica.Close)
	id := addToken(t, e, "ci", "admin", time.Time{})
	get := func(base string) int {
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["ci"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, base := range []string{e.url, replica.URL} {
		if got := get(base); got != http.StatusOK {
			t.Fatalf("before revocation: %d", got)
		}
	}
	if err := e.store.RevokeToken(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{e.url, replica.URL} {
		if got := get(base); got != http.StatusUnauthorized {
			t.Fatalf("the first request after revocation got %d, want 401", got)
		}
	}
	if r := e.do("owner", "GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Fatalf("revoking one token refused another: %d", r.status)
	}
}

// TestExpiredToken: a token past its expiry answers 401 saying so; one
// before its expiry works and /me shows when it expires.
func TestExpiredToken(t *testing.T) {
	e := newEnv(t)
	addToken(t, e, "old", "owner", time.Now().Add(-time.Second))
	r := e.do("old", "GET", "/api/v1/canvases", nil)
	expectError(t, r, http.StatusUnauthorized, api.CodeUnauthenticated, "token expired")
	expectError(t, e.do("old", "POST", "/api/v1/me/token", nil), http.StatusUnauthorized, api.CodeUnauthenticated, "token expired")

	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	addToken(t, e, "fresh", "viewer", expires)
	var me api.Me
	e.do("fresh", "GET", "/api/v1/me", nil).decode(t, &me)
	if me.TokenExpiresAt == nil || !me.TokenExpiresAt.Equal(expires) {
		t.Fatalf("/me tokenExpiresAt = %v, want %s", me.TokenExpiresAt, expires)
	}
	var owner api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &owner)
	if owner.TokenExpiresAt != nil {
		t.Fatalf("a token without expiry shows tokenExpiresAt %v", owner.TokenExpiresAt)
	}
}

// TestRegenerateToken: POST /api/v1/me/token (any role) answers a new token
// once; the old one is refused at once, the new one is the same user with
// the same role and expiry; neither reaches the log.
func TestRegenerateToken(t *testing.T) {
	e := newEnv(t)
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Microsecond)
	addToken(t, e, "dev", "viewer", expires)
	var before api.Me
	e.do("dev", "GET", "/api/v1/me", nil).decode(t, &before)
	old := e.tokens["dev"]

	r := e.do("dev", "POST", "/api/v1/me/token", nil)
	var out api.RegenerateTokenResponse
	r.decode(t, &out)
	if !strings.HasPrefix(out.Token, service.TokenPrefix) || out.Token == old {
		t.Fatalf("regenerated token %q", out.Token)
	}
	expectError(t, e.do(old, "GET", "/api/v1/me", nil), http.StatusUnauthorized, api.CodeUnauthenticated, "invalid token")
	expectError(t, e.do(old, "POST", "/api/v1/me/token", nil), http.StatusUnauthorized, api.CodeUnauthenticated, "invalid token")

	var after api.Me
	e.do(out.Token, "GET", "/api/v1/me", nil).decode(t, &after)
	if after.ID != before.ID || after.Role != "viewer" || after.TokenExpiresAt == nil || !after.TokenExpiresAt.Equal(expires) {
		t.Fatalf("after regeneration /me = %+v; want user %s, viewer, expiring %s", after, before.ID, expires)
	}
	// A viewer stays a viewer.
	expectError(t, e.do(out.Token, "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"x"}}}`), http.StatusForbidden, api.CodePermissionDenied, "viewer")
	list, err := e.store.ListTokens(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tok := range list {
		if tok.UserEmail == "dev@example.com" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("dev has %d tokens after regeneration, want 1", n)
	}
	if logs := e.logs.String(); strings.Contains(logs, out.Token) || strings.Contains(logs, old) {
		t.Fatal("a token value reached the log")
	}
}

// TestTokenLastUsed: a request records when its token was last used.
func TestTokenLastUsed(t *testing.T) {
	e := newEnv(t)
	addToken(t, e, "ci", "admin", time.Time{})
	start := time.Now().Add(-time.Second)
	e.do("ci", "GET", "/api/v1/me", nil).decode(t, &api.Me{})
	list, err := e.store.ListTokens(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list {
		if tok.UserEmail == "ci@example.com" && tok.LastUsedAt.Before(start) {
			t.Fatalf("last used %s, want after %s", tok.LastUsedAt, start)
		}
		if tok.UserEmail == "admin@example.com" && !tok.LastUsedAt.IsZero() {
			t.Fatalf("an unused token shows last use %s", tok.LastUsedAt)
		}
	}
}

// TestCheckKeys: every sealed record opens with the server's keyring and
// none with a keyring that lacks its key, which names each record that
// failed (and MissingKeys names the key) without showing any value.
func TestCheckKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "db", map[string]string{"password": "hunter2-value"})).decode(t, &api.SecretResponse{})
	c := createCanvas(t, e, "deploy")
	e.do("owner", "POST", "/api/v1/canvases/"+c.Metadata.ID+"/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})

	ring := e.keys.Keyring()
	rep, err := sealer.CheckKeys(ctx, e.store, ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) != 0 || rep.Opened[ring.ActiveID()] != 2 {
		t.Fatalf("with the server's keys: %+v; want 2 opened under %s", rep, ring.ActiveID())
	}
	if missing, err := sealer.MissingKeys(ctx, e.store, ring); err != nil || len(missing) != 0 {
		t.Fatalf("MissingKeys with the server's keys = %v, %v", missing, err)
	}

	spec, err := keyring.NewKeySpec()
	if err != nil {
		t.Fatal(err)
	}
	other, err := keyring.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = sealer.CheckKeys(ctx, e.store, other)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) != 2 || len(rep.Opened) != 0 {
		t.Fatalf("with another key: %+v; want 2 failures", rep)
	}
	kinds := map[string]string{}
	for _, f := range rep.Failed {
		kinds[f.Kind] = f.Name
		if f.KeyID != ring.ActiveID() || !strings.Contains(f.Reason, ring.ActiveID()) || strings.Contains(f.Reason, "hunter2") {
			t.Errorf("failure %+v: want key %s named, no value", f, ring.ActiveID())
		}
	}
	if kinds[store.SealedSecret] != "db" || kinds[store.SealedSourceKey] != "hook" {
		t.Errorf("failures name %v; want secret db and the source hook", kinds)
	}
	missing, err := sealer.MissingKeys(ctx, e.store, other)
	if err != nil || missing[ring.ActiveID()] != 2 {
		t.Fatalf("MissingKeys with another key = %v, %v; want %s: 2", missing, err, ring.ActiveID())
	}
}
