// Package semaphore is an in-process fake of the Semaphore public API
// (https://<organization>.semaphoreci.com/api/v1alpha/... and the v1beta
// secrets) for tests. It authenticates as Semaphore documents, with
// "Authorization: Token <token>", and answers in Semaphore's v1alpha and
// v1beta shapes.
package semaphore

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/fake/oidc"
)

// Server is a fake Semaphore organization on a loopback httptest server. It
// is safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	orgID string

	mu            sync.Mutex
	tokens        map[string]bool
	projects      []project
	notifications []*notificationJSON
	secrets       []*secret
	requests      []string
	pipelines     pipelines // pipelines.go
	tasks         []task    // tasks.go
	// callbacks (by project id), posts and issuer are the pipelines' calls
	// back to SuperPlane (outputs.go).
	callbacks map[string]callback.Outputs
	posts     []callback.Post
	issuer    *oidc.Issuer
}

// project is a Semaphore project.
type project struct {
	id, name string
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

// New starts a fake Semaphore organization, closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{orgID: newID(), tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1alpha/projects", s.authenticated(s.listProjects))
	mux.HandleFunc("GET /api/v1alpha/projects/{name}", s.authenticated(s.getProject))
	mux.HandleFunc("GET /api/v1alpha/notifications", s.authenticated(s.listNotifications))
	mux.HandleFunc("POST /api/v1alpha/notifications", s.authenticated(s.createNotification))
	mux.HandleFunc("GET /api/v1alpha/notifications/{ref}", s.authenticated(s.getNotification))
	mux.HandleFunc("PATCH /api/v1alpha/notifications/{ref}", s.authenticated(s.updateNotification))
	mux.HandleFunc("DELETE /api/v1alpha/notifications/{ref}", s.authenticated(s.deleteNotification))
	mux.HandleFunc("GET /api/v1beta/secrets", s.authenticated(s.listSecrets))
	mux.HandleFunc("POST /api/v1beta/secrets", s.authenticated(s.createSecret))
	mux.HandleFunc("GET /api/v1beta/secrets/{ref}", s.authenticated(s.getSecret))
	mux.HandleFunc("PATCH /api/v1beta/secrets/{ref}", s.authenticated(s.updateSecret))
	mux.HandleFunc("DELETE /api/v1beta/secrets/{ref}", s.authenticated(s.deleteSecret))
	s.registerPipelines(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Not Found", http.StatusNotFound)
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the organization's base URL, without a trailing slash (the
// fake's stand-in for https://<organization>.semaphoreci.com).
func (s *Server) URL() string { return s.srv.URL }

// AddToken makes tok a valid API token of the organization.
func (s *Server) AddToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = true
}

// AddProject creates a project called name, connected to the GitHub
// repository git@github.com:superplane-fake/<name>.git.
func (s *Server) AddProject(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects = append(s.projects, project{id: newID(), name: name})
}

// Requests returns every request received so far as "METHOD path", in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.requests...)
}

// authenticated wraps h with Semaphore's token check: anything but
// "Authorization: Token <a known token>" is 401.
func (s *Server) authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		s.mu.Lock()
		ok := strings.EqualFold(scheme, "Token") && s.tokens[strings.TrimSpace(tok)]
		s.mu.Unlock()
		if !ok {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

// listProjects serves GET /api/v1alpha/projects: a JSON array of projects.
func (s *Server) listProjects(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := make([]map[string]any, 0, len(s.projects))
	for _, p := range s.projects {
		out = append(out, s.projectJSON(p))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// getProject serves GET /api/v1alpha/projects/{name}.
func (s *Server) getProject(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.projects {
		if p.name == r.PathValue("name") {
			writeJSON(w, http.StatusOK, s.projectJSON(p))
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "project not found"})
}

// projectJSON renders a project in the v1alpha shape.
func (s *Server) projectJSON(p project) map[string]any {
	return map[string]any{
		"apiVersion": "v1alpha",
		"kind":       "Project",
		"metadata": map[string]any{
			"name":        p.name,
			"id":          p.id,
			"org_id":      s.orgID,
			"owner_id":    s.orgID,
			"description": "",
		},
		"spec": map[string]any{
			"visibility": "private",
			"repository": map[string]any{
				"url":           "git@github.com:superplane-fake/" + p.name + ".git",
				"run_on":        []string{"branches", "tags"},
				"pipeline_file": ".semaphore/semaphore.yml",
			},
			"schedulers": []any{},
			"tasks":      []any{},
		},
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newID returns a random UUID (version 4), the form of Semaphore's ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
