// Package oidc is a fake OpenID Connect issuer of CI ID tokens (GitHub
// Actions' token.actions.githubusercontent.com, Semaphore's
// https://<org>.semaphoreci.com), for tests and make demo: it serves the
// discovery document and the JSON Web Key Set at its own loopback URL, as
// an issuer does, and signs RS256 tokens with its key. It runs on a server
// of its own, so that a fake holding its lock while a run calls SuperPlane
// back never blocks SuperPlane fetching the keys.
package oidc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
)

// TB is what the issuer needs of its user: it closes its listener when
// the test ends.
type TB interface {
	Cleanup(func())
}

// Issuer is a fake OIDC issuer. It is safe for concurrent use.
type Issuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	kid string
	// fetches counts key set reads, so that tests can see the cache work.
	fetches atomic.Int64
}

// New starts an issuer with a fresh 2048-bit RSA key.
func New(t TB) *Issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("fake oidc: generating a key: " + err.Error())
	}
	is := &Issuer{key: key, kid: "fake-key-1"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                is.URL(),
			"jwks_uri":                              is.URL() + "/.well-known/jwks",
			"subject_types_supported":               []string{"public"},
			"response_types_supported":              []string{"id_token"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /.well-known/jwks", func(w http.ResponseWriter, _ *http.Request) {
		is.fetches.Add(1)
		writeJSON(w, map[string]any{"keys": []map[string]string{is.JWK()}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// URL is the issuer: the iss of its tokens, without a trailing slash.
func (is *Issuer) URL() string { return is.srv.URL }

// KeyFetches is how many times the key set was read.
func (is *Issuer) KeyFetches() int64 { return is.fetches.Load() }

// JWK is the issuer's public key as a JSON Web Key.
func (is *Issuer) JWK() map[string]string {
	return map[string]string{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": is.kid,
		"n": b64(is.key.N.Bytes()),
		"e": b64(big.NewInt(int64(is.key.E)).Bytes()),
	}
}

// Sign returns an RS256 JWT of claims signed with the issuer's key. The
// caller sets every claim, iss included, so tests can also make tokens of
// the wrong issuer or audience.
func (is *Issuer) Sign(claims map[string]any) string {
	return SignWith(is.key, is.kid, claims)
}

// SignWith returns an RS256 JWT of claims signed with key (a test's forged
// key, or the issuer's).
func SignWith(key *rsa.PrivateKey, kid string, claims map[string]any) string {
	head := encodeSegment(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid})
	body := encodeSegment(claims)
	sum := sha256.Sum256([]byte(head + "." + body))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic("fake oidc: signing: " + err.Error())
	}
	return head + "." + body + "." + b64(sig)
}

func encodeSegment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fake oidc: encoding a token: " + err.Error())
	}
	return b64(b)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
