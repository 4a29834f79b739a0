package integration_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/fake/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// TestOIDCVerifier: a token of the issuer verifies; the key set is fetched
// once and reused; tokens naming a key the set lacks (a rotation, or a
// forger) cause at most one more fetch a minute; an issuer whose discovery document names another
// issuer, or that cannot be reached, is "unavailable" rather than a bad
// token; the guard applies to the issuer's address.
func TestOIDCVerifier(t *testing.T) {
	is := oidc.New(t)
	now := time.Now()
	clock := now
	v := &integration.OIDCVerifier{
		Tools: &integration.Verifier{Client: fakes},
		Now:   func() time.Time { return clock },
	}
	forger := mustKey(t)
	claims := func(kid string) string {
		c := map[string]any{"iss": is.URL(), "aud": "https://superplane.example.com", "sub": "x", "exp": now.Add(5 * time.Minute).Unix()}
		if kid == "" {
			return is.Sign(c)
		}
		return oidc.SignWith(forger, kid, c)
	}
	aud := []string{"https://superplane.example.com"}
	for range 3 {
		got, err := v.Verify(t.Context(), claims(""), is.URL(), aud)
		if err != nil || got["sub"] != "x" {
			t.Fatalf("Verify = %v, %v", got, err)
		}
	}
	if n := is.KeyFetches(); n != 1 {
		t.Fatalf("the key set was fetched %d times for three tokens, want once", n)
	}
	for range 3 {
		if _, err := v.Verify(t.Context(), claims("rotated-key"), is.URL(), aud); err == nil || !strings.Contains(err.Error(), "not one of the issuer's keys") {
			t.Fatalf("a token of an unknown key: %v", err)
		}
	}
	if n := is.KeyFetches(); n != 1 {
		t.Fatalf("unknown key ids within a minute of the fetch caused %d fetches in all, want none more", n)
	}
	clock = clock.Add(2 * time.Minute)
	for range 3 {
		_, _ = v.Verify(t.Context(), claims("rotated-key"), is.URL(), aud)
	}
	if n := is.KeyFetches(); n != 2 {
		t.Fatalf("a minute later unknown key ids caused %d fetches in all, want one more", n)
	}

	// A discovery document of another issuer: the keys are not taken.
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + is.URL() + `","jwks_uri":"` + is.URL() + `/.well-known/jwks"}`))
	}))
	defer liar.Close()
	if _, err := v.Verify(t.Context(), claims(""), liar.URL, aud); !errors.Is(err, integration.ErrOIDCUnavailable) || !strings.Contains(err.Error(), "another issuer") {
		t.Fatalf("an issuer whose document names another: %v", err)
	}

	// Without the loopback allowance the guard refuses the issuer.
	guarded := &integration.OIDCVerifier{Tools: &integration.Verifier{Client: outbound.New(outbound.Config{})}}
	if _, err := guarded.Verify(t.Context(), claims(""), is.URL(), aud); !errors.Is(err, integration.ErrOIDCUnavailable) {
		t.Fatalf("an issuer on loopback without the allowance: %v", err)
	}
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
