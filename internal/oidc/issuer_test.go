package oidc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

const testRing = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newIssuer(t *testing.T, st store.Store, url string, now func() time.Time) *oidc.Issuer {
	t.Helper()
	ring, err := keyring.Parse(testRing)
	if err != nil {
		t.Fatal(err)
	}
	return &oidc.Issuer{URL: url, Store: st, Sealer: sealer.New(keyring.StaticKeys(ring)), Now: now}
}

// serve serves the issuer's two documents as the server does, at url.
func serve(t *testing.T, iss *oidc.Issuer) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+oidc.DiscoveryPath, func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(iss.Discovery())
	})
	mux.HandleFunc("GET "+oidc.JWKSPath, func(w http.ResponseWriter, r *http.Request) {
		set, err := iss.JWKS(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(set)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestDiscoveryAndTokenValidateWithGoOIDC: a standard OIDC client library
// (coreos/go-oidc) accepts the discovery document (its issuer matches the
// URL it was fetched from) and verifies a minted token against the JWKS,
// with the claims a trust policy reads.
func TestDiscoveryAndTokenValidateWithGoOIDC(t *testing.T) {
	st := newStore(t)
	iss := newIssuer(t, st, "", nil)
	hs := serve(t, iss)
	iss.URL = hs.URL

	ctx := t.Context()
	provider, err := gooidc.NewProvider(ctx, hs.URL)
	if err != nil {
		t.Fatalf("go-oidc refused the discovery document: %v", err)
	}
	var doc struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := provider.Claims(&doc); err != nil || doc.JWKSURI != hs.URL+"/.well-known/jwks.json" || len(doc.Algs) != 1 || doc.Algs[0] != "RS256" {
		t.Fatalf("discovery: %+v %v", doc, err)
	}

	subject := oidc.StageSubject("acme", "prod", "deploy")
	before := time.Now().Add(-time.Second)
	tok, err := iss.Mint(ctx, subject, "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&gooidc.Config{ClientID: "sts.amazonaws.com"}).Verify(ctx, tok.Raw)
	if err != nil {
		t.Fatalf("go-oidc refused the token: %v", err)
	}
	if idt.Subject != "org:acme:canvas:prod:stage:deploy" || idt.Issuer != hs.URL {
		t.Fatalf("token sub %q iss %q", idt.Subject, idt.Issuer)
	}
	if life := idt.Expiry.Sub(idt.IssuedAt); life <= 0 || life > 10*time.Minute || idt.IssuedAt.Before(before.Truncate(time.Second)) {
		t.Fatalf("token lives %v from %v: want at most 10 minutes from now", life, idt.IssuedAt)
	}
	var claims struct {
		JTI string `json:"jti"`
		NBF int64  `json:"nbf"`
	}
	if err := idt.Claims(&claims); err != nil || claims.JTI == "" || claims.NBF == 0 {
		t.Fatalf("claims %+v %v: want jti and nbf", claims, err)
	}
	// Another audience is refused: the token is for AWS only.
	if _, err := provider.Verifier(&gooidc.Config{ClientID: "api://AzureADTokenExchange"}).Verify(ctx, tok.Raw); err == nil {
		t.Fatal("a token for sts.amazonaws.com verified for another audience")
	}
	// Each token has its own jti.
	tok2, err := iss.Mint(ctx, subject, "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	if jti(t, tok2.Raw) == claims.JTI {
		t.Fatal("two tokens share a jti")
	}
}

func jti(t *testing.T, raw string) string {
	t.Helper()
	parsed, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.Claims
	if err := parsed.UnsafeClaimsWithoutVerification(&c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// kidOf is the key id in a token's header.
func kidOf(t *testing.T, raw string) string {
	t.Helper()
	parsed, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Headers[0].KeyID
}

func kids(t *testing.T, iss *oidc.Issuer) []string {
	t.Helper()
	set, err := iss.JWKS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		if !k.IsPublic() || k.Algorithm != "RS256" || k.Use != "sig" {
			t.Fatalf("JWKS key %+v: want a public RS256 signing key", k)
		}
		out = append(out, k.KeyID)
	}
	return out
}

// TestRotationPublishesBeforeSigningAndKeepsGrace walks the schedule with
// a clock: the first key signs at once; a day on, the next key is
// published but does not sign yet; once it signs, the old key stays in the
// JWKS for the grace period (a token it signed still verifies) and then
// leaves it.
func TestRotationPublishesBeforeSigningAndKeepsGrace(t *testing.T) {
	st := newStore(t)
	clk := &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	iss := newIssuer(t, st, "https://superplane.example.com", clk.Now)
	ctx := t.Context()

	first, err := iss.Mint(ctx, "org:acme:integration:aws", "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	k1 := kidOf(t, first.Raw)
	if got := kids(t, iss); len(got) != 1 || got[0] != k1 {
		t.Fatalf("JWKS %v, want the first key %s", got, k1)
	}

	// 23h55m on (within the pre-publication window of the 24h schedule):
	// the next key appears in the JWKS, the first still signs.
	clk.Add(24*time.Hour - 5*time.Minute)
	got := kids(t, iss)
	if len(got) != 2 || got[1] != k1 {
		t.Fatalf("JWKS before rotation %v: want the next key and %s", got, k1)
	}
	k2 := got[0]
	old, err := iss.Mint(ctx, "org:acme:integration:aws", "sts.amazonaws.com")
	if err != nil || kidOf(t, old.Raw) != k1 {
		t.Fatalf("before the next key's publication time the first key must sign: %v", err)
	}

	// Past the pre-publication time the next key signs; the first one
	// stays published, so the token it just signed still verifies.
	clk.Add(10 * time.Minute)
	next, err := iss.Mint(ctx, "org:acme:integration:aws", "sts.amazonaws.com")
	if err != nil || kidOf(t, next.Raw) != k2 {
		t.Fatalf("after pre-publication the next key must sign: %v", err)
	}
	if got := kids(t, iss); len(got) != 2 || got[0] != k2 || got[1] != k1 {
		t.Fatalf("JWKS in the grace period %v: want %s and %s", got, k2, k1)
	}
	verifyWith(t, iss, old.Raw)

	// After the grace period the first key is gone.
	clk.Add(oidc.DefaultGrace + time.Minute)
	if got := kids(t, iss); len(got) != 1 || got[0] != k2 {
		t.Fatalf("JWKS after the grace period %v: want %s only", got, k2)
	}
}

// verifyWith checks raw's signature against the issuer's JWKS.
func verifyWith(t *testing.T, iss *oidc.Issuer, raw string) {
	t.Helper()
	set, err := iss.JWKS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.Claims
	if err := parsed.Claims(set, &c); err != nil {
		t.Fatalf("a token of a key in its grace period does not verify: %v", err)
	}
}

// TestSigningKeyIsSealed: the database holds the private key only sealed
// (no PKCS #8 header in the clear), the public JWK holds no private part,
// and a second issuer on the same database (a replica) signs with the same
// key rather than making its own.
func TestSigningKeyIsSealed(t *testing.T) {
	st := newStore(t)
	iss := newIssuer(t, st, "https://superplane.example.com", nil)
	tok, err := iss.Mint(t.Context(), "org:acme:integration:aws", "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := st.ListOIDCKeys(t.Context(), 10)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %d %v", len(keys), err)
	}
	k := keys[0]
	// PKCS #8 RSA keys start with SEQUENCE, version 0, rsaEncryption's OID.
	rsaOID := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}
	if bytes.Contains(k.Ciphertext, rsaOID) || k.KeyID != "k1" {
		t.Fatalf("the private key is stored in the clear (or not under the keyring's key: %q)", k.KeyID)
	}
	for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`} {
		if strings.Contains(string(k.PublicJWK), private) {
			t.Fatalf("the public JWK holds the private part %s: %s", private, k.PublicJWK)
		}
	}
	replica := newIssuer(t, st, "https://superplane.example.com", nil)
	tok2, err := replica.Mint(t.Context(), "org:acme:integration:aws", "sts.amazonaws.com")
	if err != nil || kidOf(t, tok2.Raw) != kidOf(t, tok.Raw) {
		t.Fatalf("the replica signs with another key: %v", err)
	}
}

// TestMintNeedsSubjectAndAudience: a token without either would be
// trusted by a policy that forgot a condition.
func TestMintNeedsSubjectAndAudience(t *testing.T) {
	iss := newIssuer(t, newStore(t), "https://superplane.example.com", nil)
	for _, c := range [][2]string{{"", "sts.amazonaws.com"}, {"org:acme:integration:aws", ""}} {
		if _, err := iss.Mint(context.Background(), c[0], c[1]); err == nil {
			t.Errorf("Mint(%q, %q) signed a token", c[0], c[1])
		}
	}
}

func TestSubjects(t *testing.T) {
	for got, want := range map[string]string{
		oidc.IntegrationSubject("acme", "", "aws"):     "org:acme:integration:aws",
		oidc.IntegrationSubject("acme", "prod", "aws"): "org:acme:canvas:prod:integration:aws",
		oidc.StageSubject("acme", "prod", "deploy"):    "org:acme:canvas:prod:stage:deploy",
	} {
		if got != want {
			t.Errorf("subject %q, want %q", got, want)
		}
	}
}

// TestSigningKeyFollowsKeyRotation: `keys rotate` rewraps the issuer's
// sealed signing key under the new key-encryption key, so a server holding
// only the new key still signs with the same key (the JWKS the clouds
// cached stays valid), and `keys check` opens it.
func TestSigningKeyFollowsKeyRotation(t *testing.T) {
	st := newStore(t)
	ctx := t.Context()
	old, err := keyring.Parse(testRing)
	if err != nil {
		t.Fatal(err)
	}
	iss := &oidc.Issuer{URL: "https://superplane.example.com", Store: st, Sealer: sealer.New(keyring.StaticKeys(old))}
	tok, err := iss.Mint(ctx, "org:acme:integration:aws", "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	both, err := keyring.Parse("k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=," + testRing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.RotateKeys(ctx, st, sealer.New(keyring.StaticKeys(both)), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	keys, err := st.ListOIDCKeys(ctx, 10)
	if err != nil || len(keys) != 1 || keys[0].KeyID != "k2" {
		t.Fatalf("after rotation: %+v %v", keys, err)
	}
	onlyNew, err := keyring.Parse("k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sealer.CheckKeys(ctx, st, onlyNew)
	if err != nil || len(rep.Failed) != 0 || rep.Opened["k2"] != 1 {
		t.Fatalf("keys check with the new key only: %+v %v", rep, err)
	}
	iss2 := &oidc.Issuer{URL: iss.URL, Store: st, Sealer: sealer.New(keyring.StaticKeys(onlyNew))}
	tok2, err := iss2.Mint(ctx, "org:acme:integration:aws", "sts.amazonaws.com")
	if err != nil || kidOf(t, tok2.Raw) != kidOf(t, tok.Raw) {
		t.Fatalf("after rotation the same key must sign: %v", err)
	}
	missing, err := sealer.MissingKeys(ctx, st, old)
	if err != nil || missing["k2"] != 1 {
		t.Fatalf("MissingKeys with the old ring = %v, %v: the signing key counts", missing, err)
	}
}

// TestFirstMintsMakeOneKey: a burst of first mints in one process makes
// one signing key, not one each.
func TestFirstMintsMakeOneKey(t *testing.T) {
	st := newStore(t)
	iss := newIssuer(t, st, "https://superplane.example.com", nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := iss.Mint(t.Context(), "org:acme:integration:aws", "sts.amazonaws.com")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	keys, err := st.ListOIDCKeys(t.Context(), 10)
	if err != nil || len(keys) != 1 {
		t.Fatalf("%d keys after a burst of first mints (%v), want 1", len(keys), err)
	}
}
