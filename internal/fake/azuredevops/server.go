// Package azuredevops is an in-process fake of the parts of the Azure
// DevOps REST API that SuperPlane uses, for tests. It follows Azure DevOps'
// documented requests, responses and status codes: organizations at
// /{organization}, personal access tokens over HTTP basic authentication
// (any user name, the PAT as the password), the sign-in page answered with
// 203 Non-Authoritative Information to a PAT it does not accept (401 when
// the caller sent X-TFS-FedAuthRedirect: Suppress), the required
// api-version query parameter, {"$id", "message", "typeKey", "errorCode"}
// error bodies, {"count", "value"} lists, connectionData, projects, service
// hook subscriptions (webHooks consumer, httpRequest action) whose
// confidential inputs read back masked, and Azure Pipelines runs cancelled
// through their build.
//
// Endpoints live in one file per concern (server.go: authentication,
// connection data and projects; hooks.go; pipelines.go).
package azuredevops

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
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

// Server is a fake Azure DevOps on a loopback httptest server. It is safe
// for concurrent use.
type Server struct {
	t   TB
	srv *httptest.Server
	mux *http.ServeMux

	mu       sync.Mutex
	orgs     map[string]*org // by name, lower-cased
	requests []string
	signIn   bool // answer 203 sign-in pages even to Suppress callers
	runs     runState
	subSeq   int
}

// org is an organization (or Server collection).
type org struct {
	name     string
	pats     map[string]*PAT
	projects []*project
	subs     []*Subscription
}

// project is a project of an organization.
type project struct {
	id, name  string
	pipelines map[string]string // id -> name
}

// PAT is a personal access token as the fake knows it.
type PAT struct {
	User string
	// Expired makes Azure DevOps refuse it with 401 and its message.
	Expired bool
	// NoHooks says the token lacks the Service Hooks scope.
	NoHooks bool
	// Projects limits what it sees; nil means every project.
	Projects []string
	id       string
}

// New starts a fake Azure DevOps, closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{t: t, mux: http.NewServeMux(), orgs: map[string]*org{}}
	s.handle("GET /{org}/_apis/connectionData", false, s.connectionData)
	s.handle("GET /{org}/_apis/projects", true, s.listProjects)
	s.handle("GET /{org}/_apis/projects/{project}", true, s.getProject)
	s.registerHooks()
	s.registerPipelines()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "The resource cannot be found.", "NotFoundException")
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

// URL returns the fake's base URL, the stand-in for https://dev.azure.com
// (an organization is at URL()+"/"+name).
func (s *Server) URL() string { return s.srv.URL }

// Requests returns every request received so far as "METHOD path".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// AddOrganization creates the organization name.
func (s *Server) AddOrganization(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orgs[strings.ToLower(name)] == nil {
		s.orgs[strings.ToLower(name)] = &org{name: name, pats: map[string]*PAT{}}
	}
}

// AddProject creates a project of organization orgName and returns its id.
func (s *Server) AddProject(orgName, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustOrgLocked(orgName)
	p := &project{id: newID(), name: name, pipelines: map[string]string{}}
	o.projects = append(o.projects, p)
	return p.id
}

// AddPipeline declares pipeline id (its numeric id as text) of a project.
func (s *Server) AddPipeline(orgName, projectName, id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustOrgLocked(orgName).findProject(projectName)
	if p == nil {
		s.t.Fatalf("fake azuredevops: no project %s in %s", projectName, orgName)
		return
	}
	p.pipelines[id] = name
}

// AddPAT makes token a valid PAT of organization orgName, described by p.
func (s *Server) AddPAT(orgName, token string, p PAT) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.id = newID()
	s.mustOrgLocked(orgName).pats[token] = &p
}

// RevokePAT makes token unknown, as revoking it in Azure DevOps does.
func (s *Server) RevokePAT(orgName, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mustOrgLocked(orgName).pats, token)
}

// SetSignInPage makes a PAT the fake does not accept be answered with the
// 203 sign-in page even when the caller asked for a status
// (X-TFS-FedAuthRedirect: Suppress), as some of Azure DevOps' routes do.
func (s *Server) SetSignInPage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signIn = on
}

func (s *Server) mustOrgLocked(name string) *org {
	o := s.orgs[strings.ToLower(name)]
	if o == nil {
		s.t.Fatalf("fake azuredevops: no organization %s", name)
	}
	return o
}

func (o *org) findProject(nameOrID string) *project {
	for _, p := range o.projects {
		if strings.EqualFold(p.name, nameOrID) || strings.EqualFold(p.id, nameOrID) {
			return p
		}
	}
	return nil
}

// sees reports whether the PAT reaches project p.
func (t *PAT) sees(p *project) bool {
	return t.Projects == nil || slices.ContainsFunc(t.Projects, func(n string) bool { return strings.EqualFold(n, p.name) })
}

// handle registers a route whose caller must present a PAT of the path's
// organization; versioned routes also require api-version.
func (s *Server) handle(pattern string, versioned bool, h func(http.ResponseWriter, *http.Request, *org, *PAT)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		o := s.orgs[strings.ToLower(r.PathValue("org"))]
		if o == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("TF400813: The organization %s could not be found.", r.PathValue("org")), "OrganizationNotFoundException")
			return
		}
		pat, expired := s.authenticateLocked(r, o)
		switch {
		case expired:
			writeError(w, http.StatusUnauthorized, "The Personal Access Token used has expired.", "UnauthorizedRequestException")
			return
		case pat == nil && (s.signIn || r.Header.Get("X-TFS-FedAuthRedirect") != "Suppress"):
			// Azure DevOps' answer to a credential it does not accept:
			// its sign-in page, with a 2xx status.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNonAuthoritativeInfo)
			_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>"))
			return
		case pat == nil:
			w.Header().Set("WWW-Authenticate", `Basic realm="https://dev.azure.com/"`)
			writeError(w, http.StatusUnauthorized, "TF400813: The user is not authorized to access this resource.", "UnauthorizedRequestException")
			return
		}
		if versioned && r.URL.Query().Get("api-version") == "" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("No api-version was supplied for the %q request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\").", r.Method), "VssVersionNotSpecifiedException")
			return
		}
		h(w, r, o, pat)
	})
}

// authenticateLocked reads HTTP basic authentication: any user, the PAT as
// the password.
func (s *Server) authenticateLocked(r *http.Request, o *org) (pat *PAT, expired bool) {
	_, pw, ok := r.BasicAuth()
	if !ok {
		return nil, false
	}
	p := o.pats[pw]
	if p == nil {
		return nil, false
	}
	if p.Expired {
		return nil, true
	}
	return p, false
}

func (s *Server) connectionData(w http.ResponseWriter, _ *http.Request, _ *org, p *PAT) {
	user := map[string]any{"id": p.id, "descriptor": "Microsoft.IdentityModel.Claims.ClaimsIdentity;" + p.User, "providerDisplayName": p.User, "isActive": true}
	writeJSON(w, http.StatusOK, map[string]any{"authenticatedUser": user, "authorizedUser": user, "instanceId": newID()})
}

func (s *Server) projectJSON(o *org, p *project) map[string]any {
	return map[string]any{"id": p.id, "name": p.name, "state": "wellFormed", "visibility": "private",
		"url": s.srv.URL + "/" + o.name + "/_apis/projects/" + p.id}
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	values := []any{}
	for _, p := range o.projects {
		if pat.sees(p) {
			values = append(values, s.projectJSON(o, p))
		}
	}
	if top := r.URL.Query().Get("$top"); top == "1" && len(values) > 1 {
		values = values[:1]
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(values), "value": values})
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	p := o.findProject(r.PathValue("project"))
	if p == nil || !pat.sees(p) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("TF200016: The following project does not exist: %s. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.", r.PathValue("project")), "ProjectDoesNotExistWithNameException")
		return
	}
	writeJSON(w, http.StatusOK, s.projectJSON(o, p))
}

// writeError writes Azure DevOps' error body.
func writeError(w http.ResponseWriter, status int, message, typeKey string) {
	writeJSON(w, status, map[string]any{"$id": "1", "innerException": nil, "message": message, "typeName": "Microsoft.TeamFoundation." + typeKey, "typeKey": typeKey, "errorCode": 0, "eventId": 3000})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newID returns a random GUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
