package integration

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// RunIdentity is the optional part of a Runner whose runs can prove which
// run they are with the tool's OpenID Connect ID token (GitHub Actions'
// token.actions.githubusercontent.com, Semaphore's SEMAPHORE_OIDC_TOKEN),
// so that a run may push its outputs without the token SuperPlane minted.
type RunIdentity interface {
	// OIDCIssuer returns the issuer of the ID tokens the tool gives runs
	// of an integration at integrationURL (the override in v when set),
	// and an audience those tokens always carry that SuperPlane accepts
	// besides its configured ones ("" when the run chooses its audience).
	OIDCIssuer(v *Verifier, integrationURL string) (issuer, toolAudience string, err error)
	// MatchRunClaims returns nil when claims (verified: signature, issuer,
	// audience, expiry) are those of the run that resources say the
	// execution started on resourceName (a repository, a project) of the
	// integration at integrationURL, or else why not.
	MatchRunClaims(claims map[string]any, integrationURL, resourceName string, resources []Resource) error
}

// ErrOIDCUnavailable marks a failure to fetch an issuer's keys: the token
// may well be valid, and a retry may succeed.
var ErrOIDCUnavailable = errors.New("the issuer's keys cannot be fetched")

// OIDC limits: how long a fetched key set is used, how often an unknown key
// id or a failed fetch may cause another fetch, how many issuers are kept,
// and how much of an answer is read.
const (
	oidcKeysTTL        = time.Hour
	oidcRefetchAfter   = time.Minute
	oidcMaxIssuers     = 64
	oidcMaxKeys        = 32
	oidcMaxAnswer      = 256 << 10
	oidcClockLeeway    = time.Minute
	oidcMaxTokenLength = 16 << 10
)

// OIDCVerifier verifies CI OIDC ID tokens: RS256 only (alg none and HMAC
// refused before any key is looked at), signed by a key of the issuer's
// JSON Web Key Set (found through the issuer's OpenID discovery document,
// fetched through the guarded client and cached per issuer), with the
// expected issuer, one of the accepted audiences, and an expiry that has not
// passed. It is safe for concurrent use; its zero value fetches through
// Verifier's default client.
type OIDCVerifier struct {
	// Tools holds the guarded client the keys are fetched through.
	Tools *Verifier
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time

	mu    sync.Mutex           // guards cache, not the entries
	cache map[string]*oidcKeys // by issuer
}

// oidcKeys is an issuer's cached key set; mu guards the rest.
type oidcKeys struct {
	mu      sync.Mutex
	created time.Time // immutable: when the entry was made (eviction)
	keys    jose.JSONWebKeySet
	// fetched is when keys were fetched; tried when a fetch was last
	// tried, successful or not (a bound on fetches an attacker can cause
	// with unknown key ids).
	fetched, tried time.Time
}

func (v *OIDCVerifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks raw as an ID token of issuer for one of audiences and
// returns its claims. The error says why a token is refused, without
// quoting it; it wraps ErrOIDCUnavailable when the keys cannot be fetched.
func (v *OIDCVerifier) Verify(ctx context.Context, raw, issuer string, audiences []string) (map[string]any, error) {
	if len(raw) > oidcMaxTokenLength {
		return nil, errors.New("the ID token is too long")
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, errors.New("the ID token is not an RS256-signed JWT")
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("the ID token must have exactly one signature")
	}
	kid := tok.Headers[0].KeyID
	key, err := v.key(ctx, issuer, kid)
	if err != nil {
		return nil, err
	}
	var (
		std    jwt.Claims
		claims map[string]any
	)
	if err := tok.Claims(key, &std, &claims); err != nil {
		return nil, errors.New("the ID token's signature does not verify with the issuer's keys")
	}
	if std.Expiry == nil {
		return nil, errors.New("the ID token has no expiry")
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience(audiences), Time: v.now()}, oidcClockLeeway)
	switch {
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return nil, fmt.Errorf("the ID token's issuer is not %s", issuer)
	case errors.Is(err, jwt.ErrInvalidAudience):
		return nil, fmt.Errorf("the ID token's audience is not one of %s", strings.Join(audiences, ", "))
	case errors.Is(err, jwt.ErrExpired):
		return nil, errors.New("the ID token expired")
	case err != nil:
		return nil, errors.New("the ID token is not valid yet or has bad times")
	}
	return claims, nil
}

// key returns the RSA key kid of issuer's key set, fetching the set when it
// is not cached, stale, or lacks kid (at most once per oidcRefetchAfter).
func (v *OIDCVerifier) key(ctx context.Context, issuer, kid string) (any, error) {
	entry := v.entry(issuer)
	// One fetch per issuer at a time, and a burst of tokens does not
	// become a burst of fetches; a slow issuer holds up only its own
	// tokens.
	entry.mu.Lock()
	defer entry.mu.Unlock()
	now := v.now()
	if !entry.fetched.IsZero() && now.Sub(entry.fetched) < oidcKeysTTL {
		if k, ok := findRSAKey(entry.keys, kid); ok {
			return k, nil
		}
	}
	if !entry.tried.IsZero() && now.Sub(entry.tried) < oidcRefetchAfter {
		if entry.fetched.IsZero() {
			return nil, fmt.Errorf("%w: %s (fetching them failed moments ago)", ErrOIDCUnavailable, issuer)
		}
		if k, ok := findRSAKey(entry.keys, kid); ok {
			return k, nil // stale, but the issuer was asked moments ago
		}
		return nil, errors.New("the ID token's key is not one of the issuer's keys")
	}
	entry.tried = now
	keys, err := v.fetch(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrOIDCUnavailable, issuer, err)
	}
	entry.keys, entry.fetched = keys, now
	if k, ok := findRSAKey(keys, kid); ok {
		return k, nil
	}
	return nil, errors.New("the ID token's key is not one of the issuer's keys")
}

// entry returns issuer's cache entry, making room for a new one by
// forgetting the issuer least recently fetched.
func (v *OIDCVerifier) entry(issuer string) *oidcKeys {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache == nil {
		v.cache = map[string]*oidcKeys{}
	}
	if e := v.cache[issuer]; e != nil {
		return e
	}
	if len(v.cache) >= oidcMaxIssuers {
		v.evictOldestLocked()
	}
	e := &oidcKeys{created: v.now()}
	v.cache[issuer] = e
	return e
}

// evictOldestLocked forgets the issuer whose entry is oldest. An entry in
// use by another goroutine stays valid for it; it is only no longer shared.
func (v *OIDCVerifier) evictOldestLocked() {
	var oldest string
	var at time.Time
	for iss, e := range v.cache {
		if oldest == "" || e.created.Before(at) {
			oldest, at = iss, e.created
		}
	}
	delete(v.cache, oldest)
}

// findRSAKey returns the public RSA key kid (any RSA key when the token
// names none and the set has exactly one) meant for signatures.
func findRSAKey(set jose.JSONWebKeySet, kid string) (any, bool) {
	var match []jose.JSONWebKey
	for _, k := range set.Keys {
		if (kid == "" || k.KeyID == kid) && (k.Use == "" || k.Use == "sig") && (k.Algorithm == "" || k.Algorithm == string(jose.RS256)) {
			match = append(match, k)
		}
	}
	if len(match) != 1 {
		return nil, false
	}
	pub := match[0].Public()
	key, ok := pub.Key.(*rsa.PublicKey)
	if !pub.Valid() || !ok {
		return nil, false
	}
	return key, true
}

// fetch reads the issuer's discovery document and the key set it points
// to, through the guarded client.
func (v *OIDCVerifier) fetch(ctx context.Context, issuer string) (jose.JSONWebKeySet, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	if doc.Issuer != issuer {
		return jose.JSONWebKeySet{}, errors.New("the discovery document names another issuer")
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return jose.JSONWebKeySet{}, errors.New("the discovery document has no usable jwks_uri")
	}
	var set jose.JSONWebKeySet
	if err := v.getJSON(ctx, doc.JWKSURI, &set); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	if len(set.Keys) > oidcMaxKeys {
		set.Keys = set.Keys[:oidcMaxKeys]
	}
	return set, nil
}

func (v *OIDCVerifier) getJSON(ctx context.Context, rawURL string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return errors.New("invalid URL")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "SuperPlane")
	tools := v.Tools
	if tools == nil {
		tools = &Verifier{}
	}
	resp, err := tools.OutboundClient().Do(req)
	if err != nil {
		return errors.New(RemoteText(err.Error()))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unexpected status %d from %s", resp.StatusCode, Printable(rawURL))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, oidcMaxAnswer+1))
	if err != nil {
		return errors.New(RemoteText(err.Error()))
	}
	if len(data) > oidcMaxAnswer {
		return fmt.Errorf("the answer of %s is too large", Printable(rawURL))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the answer of %s is not valid JSON", Printable(rawURL))
	}
	return nil
}
