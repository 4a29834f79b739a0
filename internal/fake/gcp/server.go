// Package gcp is an in-process fake of Google Cloud's token and resource
// endpoints for tests, following Google's documented requests, answers and
// error JSON:
//
//   - POST /token: the OAuth token endpoint (a service account key's
//     token_uri) with the JWT bearer grant. The assertion's RS256 signature
//     is checked with the public half of the account's key (by kid), its
//     iss, aud (https://oauth2.googleapis.com/token), iat and exp, as
//     Google does; errors as {"error":"invalid_grant","error_description":…}.
//   - POST /v1/token: STS token exchange. The subject token (an OIDC ID
//     token) is checked against its issuer's JWKS, fetched through the
//     issuer's discovery document, for the workload identity provider the
//     audience names (its allowed audience, expiry, a subject pattern
//     standing in for the attribute condition).
//   - POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken: IAM
//     Credentials impersonation by a federated token whose principal holds
//     roles/iam.workloadIdentityUser on the account; errors as Google's API
//     error ({"error":{"code","message","status"}}).
//   - GET /v3/projects/<id>: Cloud Resource Manager's project read, for
//     identities granted the project.
//   - anything else: a Google API (Cloud Build's triggers:run, say) that
//     answers 200 to a valid bearer token and records the call.
package gcp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// maxBody bounds a request body the fake reads.
const maxBody = 1 << 20

// TokenURI is the token_uri of the keys the fake makes, Google's.
const TokenURI = "https://oauth2.googleapis.com/token"

// TB is what the fake needs of its user (a *testing.T).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Provider is a workload identity pool's OIDC provider, reduced to what
// the fake checks.
type Provider struct {
	// Name is the provider's resource name as STS's audience names it:
	// //iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X.
	Name string
	// Issuer is the trusted issuer URL.
	Issuer string
	// AllowedAudiences default to https: and Name, as Google's do.
	AllowedAudiences []string
	// Subject is a pattern (* any run) the token's sub must match, the
	// provider's attribute condition; "" accepts any.
	Subject string
}

// Call is a request the fake answered, for assertions.
type Call struct {
	// Service is "oauth2", "sts", "iamcredentials", "cloudresourcemanager"
	// or "service".
	Service string
	Method  string
	Path    string
	// Identity is who the request's credential is: the service account's
	// email, or a federated principal.
	Identity string
	// Subject and Audience of an STS subject token.
	Subject, Audience string
	// Scopes asked for (token requests) or held (a service call's token).
	Scopes []string
	Body   string
	// Error is Google's error code or status answered, "" for success.
	Error string
}

// accountKey is the public half of a service account's key.
type accountKey struct {
	email string
	pub   *rsa.PublicKey
}

type grant struct {
	identity string
	scopes   []string
	expires  time.Time
}

type project struct {
	number, displayName string
	members             []string
}

// Server is a fake Google Cloud on a loopback httptest server. It is safe
// for concurrent use.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	keys      map[string]accountKey // by private_key_id
	accounts  map[string]bool       // service account emails
	providers map[string]Provider
	// impersonators are the principals (or principal patterns) allowed
	// to impersonate each service account.
	impersonators map[string][]string
	projects      map[string]project
	tokens        map[string]grant
	calls         []Call
	now           func() time.Time
}

// New starts a fake Google Cloud, closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{
		keys: map[string]accountKey{}, accounts: map[string]bool{}, providers: map[string]Provider{},
		impersonators: map[string][]string{}, projects: map[string]project{}, tokens: map[string]grant{}, now: time.Now,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.serveOAuth)
	mux.HandleFunc("POST /v1/token", s.serveSTS)
	mux.HandleFunc("POST /v1/projects/-/serviceAccounts/{name}", s.serveGenerateAccessToken)
	mux.HandleFunc("GET /v3/projects/{id}", s.serveProject)
	mux.HandleFunc("/", s.serveService)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's base URL (every Google endpoint at once).
func (s *Server) URL() string { return s.srv.URL }

// AddServiceAccount makes a service account (or adds a key to one) with a new key and returns the
// key's JSON key file, as the console downloads it.
func (s *Server) AddServiceAccount(t TB, email, projectID string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}
	kid := randomHex(20)
	s.mu.Lock()
	s.keys[kid] = accountKey{email: email, pub: &key.PublicKey}
	s.accounts[email] = true
	s.mu.Unlock()
	b, _ := json.MarshalIndent(map[string]string{
		"type": "service_account", "project_id": projectID, "private_key_id": kid,
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": email, "client_id": "1" + randomDigits(20),
		"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": TokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"universe_domain":             "googleapis.com",
	}, "", "  ")
	return string(b)
}

// DeleteKey revokes the key with id kid (the key file's private_key_id).
func (s *Server) DeleteKey(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, kid)
}

// AddProvider adds a workload identity pool provider.
func (s *Server) AddProvider(p Provider) {
	if len(p.AllowedAudiences) == 0 {
		p.AllowedAudiences = []string{"https:" + p.Name}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.providers[p.Name] = p
}

// AllowImpersonation grants principal (a principal:// name, * any run)
// roles/iam.workloadIdentityUser on the service account email.
func (s *Server) AllowImpersonation(email, principal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.impersonators[email] = append(s.impersonators[email], principal)
}

// AddProject adds a project that members (service account emails or
// principal patterns) may read.
func (s *Server) AddProject(id, number, displayName string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[id] = project{number: number, displayName: displayName, members: members}
}

// Calls returns the requests the fake answered, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// issue makes an access token for identity and scopes, valid for an hour.
func (s *Server) issue(identity string, scopes []string) (string, time.Time) {
	tok := "ya29.fake-" + randomHex(24)
	exp := s.now().Add(time.Hour)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = grant{identity: identity, scopes: scopes, expires: exp}
	return tok, exp
}

// bearer finds the grant of r's access token.
func (s *Server) bearer(r *http.Request) (grant, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return grant{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.tokens[tok]
	if !ok || !s.now().Before(g.expires) {
		return grant{}, false
	}
	return g, true
}

// apiError writes Google's API error JSON.
func apiError(w http.ResponseWriter, code int, status, message string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": message, "status": status}})
}

// oauthError writes an OAuth error, as the token endpoint and STS do.
func oauthError(w http.ResponseWriter, code int, errCode, description string) {
	writeJSON(w, code, map[string]string{"error": errCode, "error_description": description})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

const unauthenticated = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."

// serveProject is Cloud Resource Manager's projects.get.
func (s *Server) serveProject(w http.ResponseWriter, r *http.Request) {
	c := Call{Service: "cloudresourcemanager", Method: r.Method, Path: r.URL.Path}
	defer func() { s.record(c) }()
	g, ok := s.bearer(r)
	if !ok {
		c.Error = "UNAUTHENTICATED"
		apiError(w, http.StatusUnauthorized, c.Error, unauthenticated)
		return
	}
	c.Identity, c.Scopes = g.identity, g.scopes
	id := r.PathValue("id")
	s.mu.Lock()
	p, found := s.projects[id]
	s.mu.Unlock()
	if !found || !member(p.members, g.identity) {
		// Google answers a missing project and a forbidden one alike.
		c.Error = "PERMISSION_DENIED"
		apiError(w, http.StatusForbidden, c.Error, "The caller does not have permission")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name": "projects/" + p.number, "parent": "organizations/123456789012", "projectId": id,
		"state": "ACTIVE", "displayName": p.displayName, "createTime": "2024-01-02T03:04:05.678Z",
		"etag": "W/\"" + randomHex(8) + "\"",
	})
}

// serveService is any other Google API: a valid bearer token gets 200.
func (s *Server) serveService(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	c := Call{Service: "service", Method: r.Method, Path: r.URL.Path, Body: string(body)}
	defer func() { s.record(c) }()
	g, ok := s.bearer(r)
	if !ok {
		c.Error = "UNAUTHENTICATED"
		apiError(w, http.StatusUnauthorized, c.Error, unauthenticated)
		return
	}
	c.Identity, c.Scopes = g.identity, g.scopes
	writeJSON(w, http.StatusOK, map[string]any{"name": "operations/build/fake/" + randomHex(8), "metadata": map[string]any{"@type": "type.googleapis.com/google.devtools.cloudbuild.v1.BuildOperationMetadata"}})
}

// member matches identity against members (* any run of characters).
func member(members []string, identity string) bool {
	for _, m := range members {
		if like(m, identity) {
			return true
		}
	}
	return false
}

// like matches s against pattern, where * is any run of characters.
func like(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
