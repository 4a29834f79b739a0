// Package azure is an in-process fake of Microsoft Entra ID and Azure
// Resource Manager for tests, following Microsoft's documented requests and
// answers:
//
//   - Entra's v2.0 token endpoint (POST /{tenant}/oauth2/v2.0/token,
//     grant_type=client_credentials with a client_secret, or a
//     client_assertion of type urn:ietf:params:oauth:client-assertion-type:jwt-bearer
//     for a federated credential), answering {token_type, expires_in,
//     access_token} or an error JSON {error, error_description with its
//     AADSTS code, error_codes, timestamp, trace_id, correlation_id};
//   - ARM's subscription read (GET /subscriptions/{id}?api-version=...),
//     and its error JSON {"error": {"code", "message"}};
//   - any other path: a service endpoint (an ARM action, a Function) that
//     answers 200 to a request with a valid bearer token and records it.
//
// A client assertion is checked as Entra checks it: its signature against
// its issuer's JWKS (found through the issuer's discovery document), its
// expiry, and a federated credential of the application whose issuer,
// subject and audience all match the token's exactly.
package azure

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// maxBody bounds a request body the fake reads.
const maxBody = 1 << 20

// TokenLifetime is how long the fake's access tokens last.
const TokenLifetime = time.Hour

// TB is what the fake needs of its user (a *testing.T).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Federated is a federated identity credential of an application: the
// issuer, subject and audience a client assertion must carry. A subject
// ending in "*" matches by prefix (a flexible federated credential).
type Federated struct {
	Issuer, Subject, Audience string
}

// App is an application registration (service principal) in a tenant.
type App struct {
	TenantID, ClientID string
	// Secret is the client secret's value ("" accepts none).
	Secret string
	// Federated are the application's federated credentials.
	Federated []Federated
	// Subscriptions are the ids the application may read.
	Subscriptions []string
}

// Subscription is an Azure subscription.
type Subscription struct {
	ID, TenantID, DisplayName string
}

// Call is a request the fake answered, for assertions.
type Call struct {
	// Kind is "token", "subscription" or "service".
	Kind     string
	Method   string
	Path     string
	TenantID string
	ClientID string
	// Scope is the token request's scope, or the scope of the bearer
	// token a request carried.
	Scope string
	// Credential is "secret" or "assertion" for a token request.
	Credential string
	// Subject and Audience of a client assertion.
	Subject, Audience string
	// Error is the AADSTS or ARM error code answered, "" for success.
	Error string
}

type issued struct {
	tenant, client, scope string
	expires               time.Time
}

// Server is a fake Entra ID and ARM on a loopback httptest server. It is
// safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu            sync.Mutex
	apps          map[string]App // by tenant + "/" + client id
	tenants       map[string]bool
	subscriptions map[string]Subscription
	tokens        map[string]issued
	calls         []Call
	now           func() time.Time
}

// New starts a fake, closed when the test ends. Its URL is both the
// authority host and the ARM endpoint.
func New(t TB) *Server {
	t.Helper()
	s := &Server{apps: map[string]App{}, tenants: map[string]bool{}, subscriptions: map[string]Subscription{},
		tokens: map[string]issued{}, now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.serveToken)
	mux.HandleFunc("GET /subscriptions/{id}", s.serveSubscription)
	mux.HandleFunc("/", s.serveService)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's base URL.
func (s *Server) URL() string { return s.srv.URL }

// AddApp adds an application registration (and its tenant).
func (s *Server) AddApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenants[strings.ToLower(a.TenantID)] = true
	s.apps[strings.ToLower(a.TenantID+"/"+a.ClientID)] = a
}

// SetSecret changes an application's client secret (a rotation).
func (s *Server) SetSecret(tenantID, clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(tenantID + "/" + clientID)
	a := s.apps[k]
	a.Secret = secret
	s.apps[k] = a
}

// AddSubscription adds a subscription.
func (s *Server) AddSubscription(sub Subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscriptions[strings.ToLower(sub.ID)] = sub
}

// Calls returns the requests the fake answered, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsOf returns the calls of one kind.
func (s *Server) CallsOf(kind string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *Server) app(tenant, client string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[strings.ToLower(tenant+"/"+client)]
	return a, ok
}

func (s *Server) knownTenant(tenant string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenants[strings.ToLower(tenant)]
}

// issue makes an access token.
func (s *Server) issue(tenant, client, scope string) (string, time.Duration) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.fake." + hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = issued{tenant: tenant, client: client, scope: scope, expires: s.now().Add(TokenLifetime)}
	return tok, TokenLifetime
}

// bearer returns the valid token of r's Authorization, if any.
func (s *Server) bearer(r *http.Request) (issued, bool) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return issued{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[raw]
	if !ok || !s.now().Before(t.expires) {
		return issued{}, false
	}
	return t, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// armFail answers ARM's error shape.
func armFail(w http.ResponseWriter, status int, code, format string, args ...any) {
	w.Header().Set("x-ms-failure-cause", "gateway")
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": fmt.Sprintf(format, args...)}})
}

// serveSubscription is ARM's GET /subscriptions/{id}: the token must be for
// ARM and its application allowed to read the subscription.
func (s *Server) serveSubscription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	call := Call{Kind: "subscription", Method: r.Method, Path: r.URL.Path}
	defer func() { s.record(call) }()
	if r.URL.Query().Get("api-version") == "" {
		call.Error = "MissingApiVersionParameter"
		armFail(w, http.StatusBadRequest, call.Error, "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	tok, ok := s.bearer(r)
	if !ok {
		call.Error = "InvalidAuthenticationToken"
		armFail(w, http.StatusUnauthorized, call.Error, "The access token is invalid.")
		return
	}
	call.TenantID, call.ClientID, call.Scope = tok.tenant, tok.client, tok.scope
	if !strings.EqualFold(strings.TrimSuffix(tok.scope, "/.default"), "https://management.azure.com") {
		call.Error = "InvalidAuthenticationTokenAudience"
		armFail(w, http.StatusUnauthorized, call.Error, "The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'.", strings.TrimSuffix(tok.scope, ".default"))
		return
	}
	s.mu.Lock()
	sub, found := s.subscriptions[strings.ToLower(id)]
	app := s.apps[strings.ToLower(tok.tenant+"/"+tok.client)]
	s.mu.Unlock()
	if !found {
		call.Error = "SubscriptionNotFound"
		armFail(w, http.StatusNotFound, call.Error, "The subscription '%s' could not be found.", id)
		return
	}
	allowed := false
	for _, a := range app.Subscriptions {
		allowed = allowed || strings.EqualFold(a, id)
	}
	if !allowed {
		call.Error = "AuthorizationFailed"
		armFail(w, http.StatusForbidden, call.Error, "The client '%s' with object id '%s' does not have authorization to perform action 'Microsoft.Resources/subscriptions/read' over scope '/subscriptions/%s' or the scope is invalid. If access was recently granted, please refresh your credentials.", tok.client, tok.client, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "/subscriptions/" + sub.ID, "authorizationSource": "RoleBased", "managedByTenants": []any{},
		"subscriptionId": sub.ID, "tenantId": sub.TenantID, "displayName": sub.DisplayName, "state": "Enabled",
		"subscriptionPolicies": map[string]string{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
	})
}

// serveService is any other endpoint: a valid bearer token gets 200 and
// the request is recorded with the token's application and scope.
func (s *Server) serveService(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxBody))
	call := Call{Kind: "service", Method: r.Method, Path: r.URL.Path}
	defer func() { s.record(call) }()
	tok, ok := s.bearer(r)
	if !ok {
		call.Error = "InvalidAuthenticationToken"
		armFail(w, http.StatusUnauthorized, call.Error, "The access token is invalid.")
		return
	}
	call.TenantID, call.ClientID, call.Scope = tok.tenant, tok.client, tok.scope
	writeJSON(w, http.StatusOK, map[string]string{"status": "Succeeded"})
}
