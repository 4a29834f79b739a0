// Package oidc makes this server an OpenID Connect identity provider for
// the clouds: it serves the discovery document and the JWKS at the public
// base URL and signs short-lived ID tokens whose subject names the
// organization, canvas and stage (or integration) that asks, so that an AWS
// role (AssumeRoleWithWebIdentity), and later an Azure federated credential
// or a GCP workload identity pool, trusts SuperPlane without any cloud
// secret stored here.
//
// The signing keys are RSA (RS256, which every cloud accepts), generated on
// first use, sealed by the keyring (internal/sealer) and kept in the
// database, so every replica signs with the same key and serves the same
// JWKS. Keys rotate on a schedule: the next key is published in the JWKS
// before it signs anything (clients that cached the JWKS see it in time),
// and a key that stopped signing stays published for a grace period, so
// every token it signed still verifies until it expires.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Defaults of an Issuer's schedule.
const (
	// DefaultTokenTTL is how long an ID token is valid. The clouds only
	// need it for the one exchange that follows its minting.
	DefaultTokenTTL = 5 * time.Minute
	// MaxTokenTTL bounds TokenTTL: these tokens are short-lived by design.
	MaxTokenTTL = 10 * time.Minute
	// DefaultRotateEvery is how long a key signs before the next one.
	DefaultRotateEvery = 24 * time.Hour
	// DefaultPrePublish is how long a new key is in the JWKS before it
	// signs: longer than the JWKS's max-age, so a client's cached copy
	// has it.
	DefaultPrePublish = 10 * time.Minute
	// DefaultGrace is how long a key stays in the JWKS after its successor
	// started signing: longer than a token lives, with room for clocks and
	// caches.
	DefaultGrace = time.Hour
	// JWKSMaxAge is the max-age the JWKS is served with.
	JWKSMaxAge = 5 * time.Minute
)

// Algorithm is the signing algorithm of every key.
const Algorithm = string(jose.RS256)

// rsaBits is the size of a signing key.
const rsaBits = 2048

// keysKept bounds the keys read per operation; with the schedule's bounds
// only a handful are ever live.
const keysKept = 16

// Issuer signs ID tokens and publishes its keys. It is safe for concurrent
// use; replicas share its keys through the store.
type Issuer struct {
	// URL is the issuer (iss): the server's public base URL, where clients
	// find /.well-known/openid-configuration.
	URL    string
	Store  store.OIDCKeyStore
	Sealer *sealer.Sealer
	Now    func() time.Time
	// TokenTTL, RotateEvery, PrePublish and Grace default to the
	// Default* constants when zero.
	TokenTTL, RotateEvery, PrePublish, Grace time.Duration

	// mu makes one goroutine of this process create a missing key, so a
	// burst of first mints makes one key, not many (other replicas may
	// make their own: any published key is as good).
	mu sync.Mutex
}

// Discovery is the OpenID Provider Metadata this server publishes: what
// an OIDC client (and AWS, Azure, GCP) reads to find the keys.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported                  []string `json:"scopes_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

// JWKSPath is where the JWKS is served, below the issuer URL.
const JWKSPath = "/.well-known/jwks.json"

// DiscoveryPath is where the discovery document is served.
const DiscoveryPath = "/.well-known/openid-configuration"

func (i *Issuer) issuer() string { return strings.TrimSuffix(i.URL, "/") }

// Discovery returns the discovery document. SuperPlane issues tokens only
// to itself (there is no login): authorization_endpoint, which the
// specification requires, names the discovery document, and the only
// response type is id_token.
func (i *Issuer) Discovery() Discovery {
	iss := i.issuer()
	return Discovery{
		Issuer:                           iss,
		JWKSURI:                          iss + JWKSPath,
		AuthorizationEndpoint:            iss + DiscoveryPath,
		ResponseTypesSupported:           []string{"id_token"},
		SubjectTypesSupported:            []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{Algorithm},
		ScopesSupported:                  []string{"openid"},
		ClaimsSupported:                  []string{"iss", "sub", "aud", "iat", "nbf", "exp", "jti"},
	}
}

func (i *Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (i *Issuer) ttl() time.Duration {
	return min(orDefault(i.TokenTTL, DefaultTokenTTL), MaxTokenTTL)
}

// schedule is the issuer's durations with their defaults.
type schedule struct{ rotate, prePublish, grace time.Duration }

func (i *Issuer) schedule() schedule {
	return schedule{
		rotate:     orDefault(i.RotateEvery, DefaultRotateEvery),
		prePublish: orDefault(i.PrePublish, DefaultPrePublish),
		grace:      max(orDefault(i.Grace, DefaultGrace), i.ttl()+time.Minute),
	}
}

// signerIndex is the index in keys (newest first) of the key that signs at
// now: the newest key published for at least prePublish, or the oldest key
// when none is (the very first key signs at once: nobody holds a token to
// verify yet).
func (sc schedule) signerIndex(keys []store.OIDCKey, now time.Time) int {
	for idx, k := range keys {
		if !k.CreatedAt.After(now.Add(-sc.prePublish)) {
			return idx
		}
	}
	return len(keys) - 1
}

// published is how many of keys (newest first) the JWKS holds at now: every
// key up to the signer, and each older key until its successor has signed
// for the grace period.
func (sc schedule) published(keys []store.OIDCKey, now time.Time) int {
	n := sc.signerIndex(keys, now) + 1
	for n < len(keys) {
		successorSigns := keys[n-1].CreatedAt.Add(sc.prePublish)
		if !now.Before(successorSigns.Add(sc.grace)) {
			break
		}
		n++
	}
	return n
}

// needsKey reports whether a new key should be made: there is none, or the
// newest one is due to be succeeded within prePublish.
func (sc schedule) needsKey(keys []store.OIDCKey, now time.Time) bool {
	if len(keys) == 0 {
		return true
	}
	return !now.Before(keys[0].CreatedAt.Add(sc.rotate - sc.prePublish))
}

// keys returns the current keys, newest first, after making the next one
// when it is due and pruning the keys no longer published.
func (i *Issuer) keys(ctx context.Context) ([]store.OIDCKey, error) {
	sc, now := i.schedule(), i.now()
	keys, err := i.Store.ListOIDCKeys(ctx, keysKept)
	if err != nil {
		return nil, err
	}
	if !sc.needsKey(keys, now) {
		return keys, nil
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if keys, err = i.Store.ListOIDCKeys(ctx, keysKept); err != nil {
		return nil, err
	}
	if sc.needsKey(keys, now) {
		k, err := i.newKey(now)
		if err != nil {
			return nil, err
		}
		if err := i.Store.CreateOIDCKey(ctx, k); err != nil {
			return nil, err
		}
		if keys, err = i.Store.ListOIDCKeys(ctx, keysKept); err != nil {
			return nil, err
		}
		if n := sc.published(keys, now); n < len(keys) {
			// Keys past the grace period sign nothing and verify nothing.
			if _, err := i.Store.DeleteOIDCKeysBefore(ctx, keys[n-1].CreatedAt); err != nil {
				return nil, err
			}
			keys = keys[:n]
		}
	}
	return keys, nil
}

// newKey generates a signing key and seals its private half.
func (i *Issuer) newKey(now time.Time) (store.OIDCKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return store.OIDCKey{}, err
	}
	kid := uuid.NewString()
	pub, err := json.Marshal(jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: Algorithm, Use: "sig"})
	if err != nil {
		return store.OIDCKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.OIDCKey{}, err
	}
	defer clear(der)
	blob, keyID, err := i.Sealer.SealOIDCKey(kid, der)
	if err != nil {
		return store.OIDCKey{}, err
	}
	return store.OIDCKey{Kid: kid, Algorithm: Algorithm, PublicJWK: pub, Ciphertext: blob, KeyID: keyID, CreatedAt: now}, nil
}

// JWKS returns the published public keys.
func (i *Issuer) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	keys, err := i.keys(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	keys = keys[:i.schedule().published(keys, i.now())]
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(k.PublicJWK, &jwk); err != nil {
			return jose.JSONWebKeySet{}, fmt.Errorf("oidc: signing key %s: %w", k.Kid, err)
		}
		set.Keys = append(set.Keys, jwk)
	}
	return set, nil
}

// Token is a minted ID token and when it expires.
type Token struct {
	Raw       string
	ExpiresAt time.Time
}

// Mint signs an ID token for subject and audience, valid for the token
// TTL. The token is a credential: callers use it for one exchange and
// never store or log it.
func (i *Issuer) Mint(ctx context.Context, subject, audience string) (Token, error) {
	if subject == "" || audience == "" {
		return Token{}, errors.New("oidc: a token needs a subject and an audience")
	}
	keys, err := i.keys(ctx)
	if err != nil {
		return Token{}, err
	}
	now := i.now()
	k := keys[i.schedule().signerIndex(keys, now)]
	der, err := i.Sealer.OpenOIDCKey(k.Kid, k.Ciphertext)
	if err != nil {
		return Token{}, fmt.Errorf("oidc: cannot open signing key %s: %w", k.Kid, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	if err != nil {
		return Token{}, fmt.Errorf("oidc: signing key %s: %w", k.Kid, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return Token{}, fmt.Errorf("oidc: signing key %s is not an RSA key", k.Kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: k.Kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return Token{}, err
	}
	exp := now.Add(i.ttl())
	raw, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: i.issuer(), Subject: subject, Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(exp),
		ID: uuid.NewString(),
	}).Serialize()
	if err != nil {
		return Token{}, err
	}
	return Token{Raw: raw, ExpiresAt: exp}, nil
}

// IntegrationSubject is the subject of the tokens an integration presents
// when it is verified: org:<org>:integration:<name> for an organization
// integration, org:<org>:canvas:<canvas>:integration:<name> for a canvas's.
// Names, not ids, so a trust policy reads as what it trusts; renaming one
// changes the subject (and so what a policy must allow).
func IntegrationSubject(org, canvas, name string) string {
	if canvas == "" {
		return "org:" + org + ":integration:" + name
	}
	return "org:" + org + ":canvas:" + canvas + ":integration:" + name
}

// StageSubject is the subject of the tokens presented for a stage's
// execution: org:<org>:canvas:<canvas>:stage:<stage>.
func StageSubject(org, canvas, stage string) string {
	return "org:" + org + ":canvas:" + canvas + ":stage:" + stage
}
