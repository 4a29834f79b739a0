// Package gitlab is an in-process fake of the GitLab REST API v4
// (https://<instance>/api/v4/...) for tests: the current user, projects
// addressed by id or URL-encoded path, project webhooks and pipelines. It
// authenticates as GitLab documents, with a "PRIVATE-TOKEN: <token>" header
// or "Authorization: Bearer <token>", and answers in GitLab's shapes and
// status codes: 401 {"message":"401 Unauthorized"}, 403 {"message":"403
// Forbidden"} below the access level an endpoint needs, 404 {"message":"404
// Project Not Found"}, 400 with {"error": ...} or {"message": {...}} for bad
// input. It can also deliver webhook events to the hooks it holds, with the
// headers GitLab sends (Deliver).
package gitlab

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GitLab's access levels, as project members hold them.
const (
	AccessGuest      = 10
	AccessReporter   = 20
	AccessDeveloper  = 30
	AccessMaintainer = 40
	AccessOwner      = 50
)

// Server is a fake GitLab instance on a loopback httptest server. It is
// safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	users     map[string]*user   // by username
	tokens    map[string]*user   // by token
	projects  []*project         // by id - 1
	hooks     map[int][]*hookRec // by project id
	nextHook  int
	pipelines pipelineState // pipelines.go
	requests  []string
}

type user struct {
	id       int
	username string
}

// project is a GitLab project with its members' access levels.
type project struct {
	id      int
	path    string // full path: group/subgroup/name
	members map[string]int
}

// TB is what a fake needs of its user: a *testing.T in tests, or a small
// shim in a program that serves the fake on its own (cmd/superplane-fakes).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// New starts a fake GitLab instance, closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{users: map[string]*user{}, tokens: map[string]*user{}, hooks: map[int][]*hookRec{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/user", s.authenticated(s.currentUser))
	mux.HandleFunc("GET /api/v4/projects/{id}", s.authenticated(s.getProject))
	s.registerHooks(mux)
	s.registerPipelines(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.EscapedPath())
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the instance's URL, without a trailing slash: the fake's
// stand-in for https://gitlab.example.com.
func (s *Server) URL() string { return s.srv.URL }

// APIURL returns the base of the REST API, URL() + "/api/v4".
func (s *Server) APIURL() string { return s.srv.URL + "/api/v4" }

// AddToken makes tok a valid token of the user called username, creating
// the user when needed.
func (s *Server) AddToken(tok, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = s.userLocked(username)
}

// RevokeToken makes tok invalid, as a revoked or expired token is.
func (s *Server) RevokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
}

func (s *Server) userLocked(username string) *user {
	u, ok := s.users[username]
	if !ok {
		u = &user{id: len(s.users) + 1, username: username}
		s.users[username] = u
	}
	return u
}

// AddProject creates a project with the full path (group/name) and
// returns its id.
func (s *Server) AddProject(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &project{id: len(s.projects) + 1, path: path, members: map[string]int{}}
	s.projects = append(s.projects, p)
	return p.id
}

// Grant gives the user called username the access level on the project
// with the full path (AccessDeveloper, AccessMaintainer...).
func (s *Server) Grant(path, username string, level int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userLocked(username)
	for _, p := range s.projects {
		if p.path == path {
			p.members[username] = level
			return
		}
	}
	panic("fake gitlab: Grant on unknown project " + path)
}

// Requests returns every request received so far as "METHOD escaped-path",
// in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.requests...)
}

// caller is the user a request authenticated as.
type caller struct{ *user }

// authenticated wraps h with GitLab's token check: PRIVATE-TOKEN, or an
// Authorization: Bearer header; anything else is 401.
func (s *Server) authenticated(h func(http.ResponseWriter, *http.Request, caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("PRIVATE-TOKEN")
		if tok == "" {
			if scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
				tok = strings.TrimSpace(rest)
			}
		}
		s.mu.Lock()
		u, ok := s.tokens[tok]
		s.mu.Unlock()
		if tok == "" || !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
			return
		}
		h(w, r, caller{u})
	}
}

// currentUser serves GET /api/v4/user.
func (s *Server) currentUser(w http.ResponseWriter, _ *http.Request, c caller) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id": c.id, "username": c.username, "name": c.username, "state": "active",
		"web_url": s.srv.URL + "/" + c.username,
	})
}

// findProject resolves the {id} of a path, an id or a URL-encoded full
// path, to a project the caller is a member of; a project the caller
// cannot see is not found, as GitLab answers for a private project.
func (s *Server) findProject(r *http.Request, c caller) (*project, int) {
	ref := r.PathValue("id")
	for _, p := range s.projects {
		if strconv.Itoa(p.id) == ref || p.path == ref {
			level, member := p.members[c.username]
			if !member {
				return nil, 0
			}
			return p, level
		}
	}
	return nil, 0
}

// getProject serves GET /api/v4/projects/{id} with the caller's access in
// permissions.project_access.
func (s *Server) getProject(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	p, level := s.findProject(r, c)
	s.mu.Unlock()
	if p == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return
	}
	name := p.path[strings.LastIndex(p.path, "/")+1:]
	writeJSON(w, http.StatusOK, map[string]any{
		"id": p.id, "name": name, "path": name, "path_with_namespace": p.path,
		"default_branch": "main", "web_url": s.srv.URL + "/" + p.path, "visibility": "private",
		"permissions": map[string]any{
			"project_access": map[string]any{"access_level": level, "notification_level": 3},
			"group_access":   nil,
		},
	})
}

// projectFor resolves a project for an endpoint that needs at least
// minLevel, writing GitLab's 404 or 403 when it cannot. The caller holds
// s.mu.
func (s *Server) projectFor(w http.ResponseWriter, r *http.Request, c caller, minLevel int) *project {
	p, level := s.findProject(r, c)
	if p == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return nil
	}
	if level < minLevel {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "403 Forbidden"})
		return nil
	}
	return p
}

// maxRequestBody bounds the bodies the fake reads.
const maxRequestBody = 1 << 20

// decode reads a JSON body into v, answering 400 when it is not one.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "400 Bad request - the body is not valid JSON"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// timestamp renders t as GitLab does (ISO 8601 with milliseconds).
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// newUUID returns a random UUID (version 4), the form of GitLab's
// delivery headers.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
