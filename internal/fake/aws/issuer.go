package aws

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is a minimal OIDC identity provider on loopback, for the tests of
// packages that may not link the server's own issuer (the integration
// types): a discovery document, a JWKS and RS256 tokens.
type Issuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	kid string
	// Claim is the issuer the tokens claim (default: the URL).
	Claim string
}

// NewIssuer starts an issuer, closed when the test ends.
func NewIssuer(t TB) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	i := &Issuer{key: key, kid: randomString("k", 8)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": i.URL(), "jwks_uri": i.URL() + "/.well-known/jwks.json"})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: i.kid, Algorithm: "RS256", Use: "sig"}}})
	})
	i.srv = httptest.NewServer(mux)
	t.Cleanup(i.srv.Close)
	return i
}

// URL is the issuer's URL.
func (i *Issuer) URL() string { return i.srv.URL }

// Mint signs a token for subject and audience, valid for five minutes.
func (i *Issuer) Mint(subject, audience string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: i.key, KeyID: i.kid}}, nil)
	if err != nil {
		return "", err
	}
	iss := i.Claim
	if iss == "" {
		iss = i.URL()
	}
	now := time.Now()
	return jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: iss, Subject: subject, Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)),
	}).Serialize()
}
