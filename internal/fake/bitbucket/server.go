// Package bitbucket is an in-process fake of the parts of the Bitbucket
// Cloud REST API 2.0 (https://api.bitbucket.org/2.0) that SuperPlane uses,
// for tests. It follows Bitbucket's documented requests, responses and
// status codes: HTTP basic authentication with a user's API token or app
// password, Bearer access tokens scoped to a workspace or one repository,
// the {"type": "error", "error": {"message": ...}} error bodies, paginated
// lists ({"values", "pagelen", "size", "page", "next"}), uuids in braces,
// repository webhooks whose secret reads back only as secret_set, and
// Pipelines runs with their state and result.
//
// Endpoints live in one file per concern (server.go: users, workspaces and
// repositories; hooks.go; pipelines.go).
package bitbucket

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// TB is what a fake needs of its user: a *testing.T in tests, or a small
// shim in a program that serves the fake on its own (cmd/superplane-fakes).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Server is a fake Bitbucket Cloud on a loopback httptest server. It is
// safe for concurrent use; requests are served one at a time.
type Server struct {
	t   TB
	srv *httptest.Server
	mux *http.ServeMux

	mu         sync.Mutex
	users      map[string]*user        // by username
	secrets    map[string]string       // "username:secret" -> username
	access     map[string]*accessToken // by token value
	workspaces map[string]*workspace   // by slug
	repos      map[string]*repo        // by "workspace/slug"
	requests   []string
	pipelines  pipelines // pipelines.go
}

// user is an Atlassian account.
type user struct {
	username, uuid string
}

// accessToken is a workspace access token (repo == "") or a repository
// access token; it has no user.
type accessToken struct {
	workspace, repo string
}

// workspace is a Bitbucket workspace and its members' permissions (owner,
// collaborator or member).
type workspace struct {
	slug, uuid string
	members    map[string]string // username -> permission
}

// repo is a repository and the users who administer it.
type repo struct {
	workspace, slug, uuid string
	admins                map[string]bool
	hooks                 []*hook
}

// caller is who a request authenticated as: a user, or an access token.
type caller struct {
	user  *user
	token *accessToken
}

// New starts a fake Bitbucket Cloud, closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{
		t:          t,
		mux:        http.NewServeMux(),
		users:      map[string]*user{},
		secrets:    map[string]string{},
		access:     map[string]*accessToken{},
		workspaces: map[string]*workspace{},
		repos:      map[string]*repo{},
	}
	s.handle("GET /2.0/user", s.getUser)
	s.handle("GET /2.0/user/workspaces/{workspace}/permission", s.getWorkspacePermission)
	s.handle("GET /2.0/repositories/{workspace}", s.listRepos)
	s.handle("GET /2.0/repositories/{workspace}/{repo}", s.getRepo)
	s.registerHooks()
	s.registerPipelines()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Resource not found")
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		s.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the API's base URL, without /2.0 and without a trailing
// slash (the fake's stand-in for https://api.bitbucket.org).
func (s *Server) URL() string { return s.srv.URL }

// Requests returns every request received so far as "METHOD path", in
// order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// AddUser creates the account username with an API token or app password
// secret: "username:secret" is then a valid credential.
func (s *Server) AddUser(username, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[username] == nil {
		s.users[username] = &user{username: username, uuid: newUUID()}
	}
	s.secrets[username+":"+secret] = username
}

// AddWorkspace creates the workspace slug, with members: username to
// permission (owner, collaborator or member).
func (s *Server) AddWorkspace(slug string, members map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := &workspace{slug: slug, uuid: newUUID(), members: map[string]string{}}
	for u, p := range members {
		ws.members[u] = p
	}
	s.workspaces[slug] = ws
}

// AddRepo creates the repository workspace/slug, administered by admins.
func (s *Server) AddRepo(workspace, slug string, admins ...string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workspaces[workspace] == nil {
		s.t.Fatalf("fake bitbucket: AddRepo: unknown workspace %q", workspace)
		return
	}
	rp := &repo{workspace: workspace, slug: slug, uuid: newUUID(), admins: map[string]bool{}}
	for _, a := range admins {
		rp.admins[a] = true
	}
	s.repos[workspace+"/"+slug] = rp
}

// AddAccessToken makes tok a Bearer access token of workspace, for every
// repository of it when repo is "" (a workspace access token), else for
// that repository only. Access tokens administer what they reach.
func (s *Server) AddAccessToken(tok, workspace, repo string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access[tok] = &accessToken{workspace: workspace, repo: repo}
}

// handle serves pattern with h, after Bitbucket's authentication: a
// request without valid credentials gets 401, as Bitbucket answers it.
func (s *Server) handle(pattern string, h func(http.ResponseWriter, *http.Request, caller)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		c, ok := s.authenticateLocked(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="Bitbucket.org HTTP"`)
			writeError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		h(w, r, c)
	})
}

// authenticateLocked reads the Authorization header.
func (s *Server) authenticateLocked(r *http.Request) (caller, bool) {
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
		if err != nil {
			return caller{}, false
		}
		if name, ok := s.secrets[string(raw)]; ok {
			return caller{user: s.users[name]}, true
		}
	case "bearer":
		if tok := s.access[strings.TrimSpace(value)]; tok != nil {
			return caller{token: tok}, true
		}
	}
	return caller{}, false
}

// canRead reports whether c may read rp.
func (c caller) canRead(s *Server, rp *repo) bool {
	if c.token != nil {
		return c.token.workspace == rp.workspace && (c.token.repo == "" || c.token.repo == rp.slug)
	}
	ws := s.workspaces[rp.workspace]
	return ws != nil && ws.members[c.user.username] != ""
}

// canAdmin reports whether c administers rp (its webhooks).
func (c caller) canAdmin(s *Server, rp *repo) bool {
	if c.token != nil {
		return c.canRead(s, rp)
	}
	ws := s.workspaces[rp.workspace]
	return rp.admins[c.user.username] || (ws != nil && ws.members[c.user.username] == "owner")
}

// getUser serves GET /2.0/user: the account of a user's credential. An
// access token has no user, and Bitbucket refuses it here.
func (s *Server) getUser(w http.ResponseWriter, _ *http.Request, c caller) {
	if c.user == nil {
		writeError(w, http.StatusUnauthorized, "Access token has no associated user")
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(c.user))
}

// getWorkspacePermission serves GET /2.0/user/workspaces/{workspace}/
// permission: the caller's membership of the workspace, 404 when there is
// none (or no such workspace).
func (s *Server) getWorkspacePermission(w http.ResponseWriter, r *http.Request, c caller) {
	if c.user == nil {
		writeError(w, http.StatusUnauthorized, "Access token has no associated user")
		return
	}
	ws := s.workspaces[r.PathValue("workspace")]
	if ws == nil || ws.members[c.user.username] == "" {
		writeError(w, http.StatusNotFound, "No workspace found for "+r.PathValue("workspace"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type":       "workspace_membership",
		"permission": ws.members[c.user.username],
		"user":       s.userJSON(c.user),
		"workspace":  s.workspaceJSON(ws),
	})
}

// listRepos serves GET /2.0/repositories/{workspace}: the repositories of
// the workspace the caller can read, paginated (pagelen, page).
func (s *Server) listRepos(w http.ResponseWriter, r *http.Request, c caller) {
	ws := s.workspaces[r.PathValue("workspace")]
	if ws == nil {
		writeError(w, http.StatusNotFound, "No workspace with identifier '"+r.PathValue("workspace")+"'.")
		return
	}
	var all []any
	for _, rp := range s.sortedReposLocked(ws.slug) {
		if c.canRead(s, rp) {
			all = append(all, s.repoJSON(rp))
		}
	}
	writePage(w, r, s.srv.URL, all)
}

// getRepo serves GET /2.0/repositories/{workspace}/{repo}.
func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.readableRepoLocked(w, r, c)
	if rp != nil {
		writeJSON(w, http.StatusOK, s.repoJSON(rp))
	}
}

// readableRepoLocked returns the repository of the path, or writes 404: a
// repository the caller cannot read is answered as one that does not exist.
func (s *Server) readableRepoLocked(w http.ResponseWriter, r *http.Request, c caller) *repo {
	rp := s.repos[r.PathValue("workspace")+"/"+r.PathValue("repo")]
	if rp == nil || !c.canRead(s, rp) {
		writeError(w, http.StatusNotFound, "Repository "+r.PathValue("workspace")+"/"+r.PathValue("repo")+" not found")
		return nil
	}
	return rp
}

func (s *Server) sortedReposLocked(ws string) []*repo {
	var out []*repo
	for _, rp := range s.repos {
		if rp.workspace == ws {
			out = append(out, rp)
		}
	}
	slices.SortFunc(out, func(a, b *repo) int { return strings.Compare(a.slug, b.slug) })
	return out
}

func (s *Server) userJSON(u *user) map[string]any {
	return map[string]any{"type": "user", "username": u.username, "display_name": u.username, "uuid": u.uuid, "account_id": "5f" + strings.Trim(u.uuid, "{}")[:8]}
}

func (s *Server) workspaceJSON(ws *workspace) map[string]any {
	return map[string]any{"type": "workspace", "slug": ws.slug, "name": ws.slug, "uuid": ws.uuid}
}

func (s *Server) repoJSON(rp *repo) map[string]any {
	return map[string]any{
		"type": "repository", "uuid": rp.uuid, "slug": rp.slug, "name": rp.slug,
		"full_name": rp.workspace + "/" + rp.slug, "is_private": true, "scm": "git",
		"workspace": s.workspaceJSON(s.workspaces[rp.workspace]),
	}
}

// writeError writes Bitbucket's error body.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"message": message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writePage writes one page of values as Bitbucket paginates: pagelen
// (default 10, at most 100) and page (from 1) from the query, next when
// there are more.
func writePage(w http.ResponseWriter, r *http.Request, base string, values []any) {
	pagelen, err := strconv.Atoi(r.URL.Query().Get("pagelen"))
	if err != nil || pagelen <= 0 {
		pagelen = 10
	}
	if pagelen > 100 {
		writeError(w, http.StatusBadRequest, "Invalid pagelen")
		return
	}
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	start := min((page-1)*pagelen, len(values))
	end := min(start+pagelen, len(values))
	out := map[string]any{"pagelen": pagelen, "size": len(values), "page": page, "values": append([]any{}, values[start:end]...)}
	if end < len(values) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		out["next"] = base + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// newUUID returns a random version 4 uuid in braces, as Bitbucket writes
// its uuids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("{%x-%x-%x-%x-%x}", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
