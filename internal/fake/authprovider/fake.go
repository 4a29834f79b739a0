// Package authprovider is a fake of the identity providers people sign in
// to SuperPlane with, for tests: an OpenID Connect provider under any path
// (Microsoft Entra ID at /{tenant}/v2.0, Google at /google: discovery,
// JWKS, authorize, token), GitHub's OAuth app endpoints and the user API
// (/login/oauth/authorize, /login/oauth/access_token, /api/v3/user, its
// emails and org memberships), and a Backstage auth backend's key set with
// a token issuer. Its authorize endpoint signs in the user the test chose
// and redirects back with a code; its token endpoint checks the client
// secret, the redirect URI and the PKCE verifier, as a provider does.
// Tests can tamper with the ID token's claims and forge its signature.
package authprovider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TB is what the fake needs of its user: it closes its listener when the
// test ends.
type TB interface {
	Cleanup(func())
}

// User is who signs in at the fake.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	// Tenant is the Entra tenant id (tid); HostedDomain Google's hd.
	Tenant       string
	HostedDomain string
	// GitHubID and Login are the GitHub user; Orgs the organizations it is
	// an active member of.
	GitHubID int64
	Login    string
	Orgs     []string
}

// grant is an issued authorization code.
type grant struct {
	user      User
	client    string
	redirect  string
	challenge string
	nonce     string
	issuer    string // "" for GitHub (no ID token)
}

// Fake is the providers' fake. It is safe for concurrent use.
type Fake struct {
	srv    *httptest.Server
	rsaKey *rsa.PrivateKey
	ecKey  *ecdsa.PrivateKey
	forged *rsa.PrivateKey

	mu      sync.Mutex
	clients map[string]string
	next    User
	codes   map[string]grant
	access  map[string]User
	tamper  func(map[string]any)
	forge   bool
}

// New starts the fake.
func New(t TB) *Fake {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	fk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	f := &Fake{rsaKey: rk, ecKey: ek, forged: fk, clients: map[string]string{}, codes: map[string]grant{}, access: map[string]User{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the fake's base URL, without a trailing slash.
func (f *Fake) URL() string { return f.srv.URL }

// AddClient registers an OAuth client (an app registration).
func (f *Fake) AddClient(id, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients[id] = secret
}

// SignInAs makes u the user of the next authorizations.
func (f *Fake) SignInAs(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = u
}

// Tamper changes the claims of the ID tokens issued from now on (nil: no
// change), for tests of expired, wrong-audience, wrong-issuer... tokens.
func (f *Fake) Tamper(fn func(claims map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tamper = fn
}

// Forge makes the ID tokens issued from now on signed by a key that is not
// in the key set, under the key set's key id.
func (f *Fake) Forge(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forge = on
}

// BackstageToken is a Backstage user identity token: ES256, issuer
// {URL}/api/auth, audience backstage, expiring in an hour, with the
// given claims on top (a test sets sub, ent, or overrides any).
func (f *Fake) BackstageToken(claims map[string]any) string {
	now := time.Now()
	c := map[string]any{"iss": f.URL() + "/api/auth", "aud": "backstage", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		c[k] = v
	}
	return sign(jose.ES256, f.ecKey, "ec-1", c)
}

func sign(alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		panic(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		panic(err)
	}
	return s
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/.well-known/openid-configuration"):
		issuer := f.URL() + strings.TrimSuffix(path, "/.well-known/openid-configuration")
		writeJSON(w, 200, map[string]any{
			"issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
			"jwks_uri": f.URL() + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	case path == "/jwks" || path == "/api/auth/.well-known/jwks.json":
		writeJSON(w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &f.rsaKey.PublicKey, KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
			{Key: &f.ecKey.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"},
		}})
	case path == "/login/oauth/authorize":
		f.authorize(w, r, "")
	case strings.HasSuffix(path, "/authorize"):
		f.authorize(w, r, f.URL()+strings.TrimSuffix(path, "/authorize"))
	case path == "/login/oauth/access_token" || strings.HasSuffix(path, "/token"):
		f.token(w, r)
	case strings.HasPrefix(path, "/api/v3/"):
		f.githubAPI(w, r, strings.TrimPrefix(path, "/api/v3"))
	default:
		http.NotFound(w, r)
	}
}

// authorize signs in the chosen user and redirects back with a code;
// issuer is "" for GitHub.
func (f *Fake) authorize(w http.ResponseWriter, r *http.Request, issuer string) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.clients[q.Get("client_id")]; !ok {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		back.Set("error", "invalid_request")
	} else {
		code := random()
		f.codes[code] = grant{user: f.next, client: q.Get("client_id"), redirect: q.Get("redirect_uri"),
			challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), issuer: issuer}
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token exchanges a code: client secret, redirect URI and PKCE verifier
// must match, and a code is used once.
func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want, known := f.clients[id]
	if !known || subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	g, ok := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code"))
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !ok || g.client != id || g.redirect != r.PostForm.Get("redirect_uri"):
		writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
		return
	}
	access := random()
	f.access[access] = g.user
	out := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600}
	if g.issuer != "" {
		now := time.Now()
		claims := map[string]any{"iss": g.issuer, "sub": g.user.Subject, "aud": id, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
			"nonce": g.nonce, "email": g.user.Email, "email_verified": g.user.EmailVerified, "name": g.user.Name}
		if g.user.Tenant != "" {
			claims["tid"] = g.user.Tenant
		}
		if g.user.HostedDomain != "" {
			claims["hd"] = g.user.HostedDomain
		}
		if f.tamper != nil {
			f.tamper(claims)
		}
		key := f.rsaKey
		if f.forge {
			key = f.forged
		}
		out["id_token"] = sign(jose.RS256, key, "rsa-1", claims)
	}
	writeJSON(w, 200, out)
}

// githubAPI answers GET /user, /user/emails and
// /user/memberships/orgs/{org} for a token it issued.
func (f *Fake) githubAPI(w http.ResponseWriter, r *http.Request, path string) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	u, ok := f.access[token]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, 401, map[string]string{"message": "Bad credentials"})
		return
	}
	switch {
	case path == "/user":
		writeJSON(w, 200, map[string]any{"id": u.GitHubID, "login": u.Login, "name": u.Name})
	case path == "/user/emails":
		writeJSON(w, 200, []map[string]any{
			{"email": "noreply-" + u.Login + "@users.noreply.github.com", "primary": false, "verified": true},
			{"email": u.Email, "primary": true, "verified": u.EmailVerified},
		})
	case strings.HasPrefix(path, "/user/memberships/orgs/"):
		org := strings.TrimPrefix(path, "/user/memberships/orgs/")
		for _, o := range u.Orgs {
			if strings.EqualFold(o, org) {
				writeJSON(w, 200, map[string]any{"state": "active", "role": "member"})
				return
			}
		}
		writeJSON(w, 404, map[string]string{"message": "Not Found"})
	default:
		http.NotFound(w, r)
	}
}
