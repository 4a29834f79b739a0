// Package github is an in-process fake of the parts of the GitHub REST API
// that SuperPlane uses, for tests. It follows GitHub's documented requests and
// responses closely enough for github.com/google/go-github to drive it:
// Bearer or token authentication, the X-RateLimit-* and X-OAuth-Scopes
// headers, GitHub's error bodies, Link pagination, and the permissions object
// on repositories.
//
// Endpoints live in one file per concern (users.go, repos.go, hooks.go);
// adding one means writing its handlers in a new file and listing its register
// function in routes.
package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/fake/oidc"
)

// Server is a fake GitHub API on a loopback httptest server. It is safe for
// concurrent use; requests are served one at a time.
type Server struct {
	t   TB
	srv *httptest.Server
	mux *http.ServeMux

	mu            sync.Mutex
	tokens        map[string]*token // by token value
	owners        map[string]*owner // by lower-case login
	repos         map[string]*repo  // by lower-case "owner/name"
	nextID        int64
	rateLimit     int
	rateRemaining int
	rateReset     time.Time
	requests      []string
	actions       actions // actions.go
	// callbacks, posts and issuer are the runs' calls back to SuperPlane
	// (outputs.go).
	callbacks map[string]callback.Outputs
	posts     map[string][]callback.Post
	issuer    *oidc.Issuer
}

// token is what the fake knows about an API token.
type token struct {
	login string
	// scopes is nil for a fine-grained token, which GitHub answers without
	// an X-OAuth-Scopes header.
	scopes []string
}

func (tok *token) classic() bool { return tok.scopes != nil }

// hasAnyScope reports whether a classic token holds one of scopes; a
// fine-grained token is not limited by OAuth scopes.
func (tok *token) hasAnyScope(scopes ...string) bool {
	if !tok.classic() {
		return true
	}
	for _, have := range tok.scopes {
		for _, want := range scopes {
			if have == want {
				return true
			}
		}
	}
	return false
}

// owner is a user or an organization.
type owner struct {
	login string
	id    int64
	isOrg bool
}

// TB is what a fake needs of its user: a *testing.T in tests, or a small
// shim in a program that serves the fake on its own (cmd/superplane-fakes).
// Misuse of the fake (an unknown owner, a duplicate repository) is reported
// through Fatalf; Cleanup closes the listener.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// New starts a fake GitHub whose rate limit is GitHub's authenticated 5000
// requests an hour. It is closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{
		t:             t,
		mux:           http.NewServeMux(),
		tokens:        map[string]*token{},
		owners:        map[string]*owner{},
		repos:         map[string]*repo{},
		rateLimit:     5000,
		rateRemaining: 5000,
		rateReset:     time.Now().Add(time.Hour).Truncate(time.Second),
	}
	for _, register := range []func(){s.registerUsers, s.registerRepos, s.registerHooks, s.registerActions} {
		register()
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	})
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the base URL of the API with a trailing slash, as go-github's
// Client.BaseURL wants it.
func (s *Server) URL() string { return s.srv.URL + "/" }

// AddToken makes token valid for the user login, creating the user if it is
// unknown. scopes are the OAuth scopes of a classic token; nil makes a
// fine-grained token, answered without X-OAuth-Scopes.
func (s *Server) AddToken(tok string, login string, scopes []string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.owners[strings.ToLower(login)]
	if o == nil {
		o = s.addOwnerLocked(login, false)
	}
	if o.isOrg {
		s.t.Fatalf("fake github: AddToken: %s is an organization; tokens belong to users", login)
	}
	if scopes != nil {
		scopes = append([]string{}, scopes...)
	}
	s.tokens[tok] = &token{login: o.login, scopes: scopes}
}

// AddOwner creates the user or organization login, or changes whether an
// existing one is an organization.
func (s *Server) AddOwner(login string, isOrg bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.owners[strings.ToLower(login)]; o != nil {
		o.isOrg = isOrg
		return
	}
	s.addOwnerLocked(login, isOrg)
}

func (s *Server) addOwnerLocked(login string, isOrg bool) *owner {
	s.nextID++
	o := &owner{login: login, id: s.nextID, isOrg: isOrg}
	s.owners[strings.ToLower(login)] = o
	return o
}

// SetRateLimitRemaining sets how many more requests the fake serves before
// answering 403 "API rate limit exceeded" with X-RateLimit-Remaining: 0.
func (s *Server) SetRateLimitRemaining(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateRemaining = n
}

// Requests returns every request received so far as "METHOD path", in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.requests...)
}

type callerKey struct{}

// ServeHTTP records the request and applies what GitHub applies to every
// request, authentication and the primary rate limit, before routing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	h := w.Header()
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FA4E:%04X:%06X:%06X:%08X", len(s.requests), s.nextID, len(s.repos), time.Now().Unix()))
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")

	tok, message := s.authenticate(r)
	if tok == nil {
		s.setRateHeaders(h)
		writeError(w, http.StatusUnauthorized, message, "https://docs.github.com/rest")
		return
	}
	if tok.classic() {
		h.Set("X-OAuth-Scopes", strings.Join(tok.scopes, ", "))
		h.Set("X-Accepted-OAuth-Scopes", "")
	}
	if s.rateRemaining <= 0 {
		s.rateRemaining = 0
		s.setRateHeaders(h)
		writeError(w, http.StatusForbidden,
			fmt.Sprintf("API rate limit exceeded for user ID %d. If you reach out to GitHub Support for help, please include the request ID %s.",
				s.owners[strings.ToLower(tok.login)].id, h.Get("X-GitHub-Request-Id")),
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
		return
	}
	s.rateRemaining--
	s.setRateHeaders(h)
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, tok)))
}

// authenticate returns the caller's token, or nil and GitHub's message.
func (s *Server) authenticate(r *http.Request) (*token, string) {
	scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || value == "" {
		return nil, "Requires authentication"
	}
	if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "token") {
		return nil, "Bad credentials"
	}
	tok := s.tokens[strings.TrimSpace(value)]
	if tok == nil {
		return nil, "Bad credentials"
	}
	return tok, ""
}

func (s *Server) setRateHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.rateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.rateRemaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.rateReset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(max(0, s.rateLimit-s.rateRemaining)))
	h.Set("X-RateLimit-Resource", "core")
}

// handle registers h for pattern. accepted is what GitHub reports in
// X-Accepted-OAuth-Scopes for the endpoint. h runs with s.mu held.
func (s *Server) handle(pattern, accepted string, h func(w http.ResponseWriter, r *http.Request, caller *token)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		caller, ok := r.Context().Value(callerKey{}).(*token)
		if !ok {
			// Unreachable: ServeHTTP authenticates before routing.
			writeError(w, http.StatusUnauthorized, "Requires authentication", "https://docs.github.com/rest")
			return
		}
		if caller.classic() {
			w.Header().Set("X-Accepted-OAuth-Scopes", accepted)
		}
		h(w, r, caller)
	})
}

// ownerLocked returns the owner named login, or nil.
func (s *Server) ownerLocked(login string) *owner { return s.owners[strings.ToLower(login)] }

func (s *Server) userJSON(o *owner) map[string]any {
	typ := "User"
	if o.isOrg {
		typ = "Organization"
	}
	return map[string]any{
		"login":      o.login,
		"id":         o.id,
		"node_id":    fmt.Sprintf("U_fake%d", o.id),
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", o.id),
		"url":        s.URL() + "users/" + o.login,
		"html_url":   "https://github.com/" + o.login,
		"repos_url":  s.URL() + "users/" + o.login + "/repos",
		"type":       typ,
		"site_admin": false,
	}
}

// writeJSON writes v as GitHub does, with its JSON content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes GitHub's error body:
// {"message": ..., "documentation_url": ..., "status": "404"}.
func writeError(w http.ResponseWriter, status int, message, docURL string) {
	writeJSON(w, status, map[string]any{
		"message":           message,
		"documentation_url": docURL,
		"status":            strconv.Itoa(status),
	})
}

// writeValidationFailed writes GitHub's 422 body for a rejected resource.
func writeValidationFailed(w http.ResponseWriter, resource, message, docURL string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed",
		"errors": []map[string]string{
			{"resource": resource, "code": "custom", "message": message},
		},
		"documentation_url": docURL,
		"status":            "422",
	})
}
