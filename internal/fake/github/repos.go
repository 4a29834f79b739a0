package github

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// repo is a repository. Every fake repository is public.
type repo struct {
	id      int64
	owner   *owner
	name    string
	created time.Time
	// admins holds the lower-case logins with admin permission besides the
	// owner, when the owner is a user.
	admins map[string]bool
	hooks  []*hook
}

func (rp *repo) fullName() string { return rp.owner.login + "/" + rp.name }

// isAdmin reports whether login may administer the repository, which GitHub
// requires for managing its webhooks.
func (rp *repo) isAdmin(login string) bool {
	if !rp.owner.isOrg && strings.EqualFold(rp.owner.login, login) {
		return true
	}
	return rp.admins[strings.ToLower(login)]
}

// AddRepo creates the repository owner/name. The users in adminFor get admin
// permission on it; a user also administers their own repositories. The
// owner must exist (AddOwner or AddToken).
func (s *Server) AddRepo(ownerLogin, name string, adminFor ...string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.ownerLocked(ownerLogin)
	if o == nil {
		s.t.Fatalf("fake github: AddRepo: unknown owner %q; call AddOwner first", ownerLogin)
		return
	}
	key := strings.ToLower(ownerLogin + "/" + name)
	if s.repos[key] != nil {
		s.t.Fatalf("fake github: AddRepo: %s/%s already exists", ownerLogin, name)
		return
	}
	s.nextID++
	rp := &repo{id: s.nextID, owner: o, name: name, created: time.Now().UTC().Truncate(time.Second), admins: map[string]bool{}}
	for _, login := range adminFor {
		rp.admins[strings.ToLower(login)] = true
	}
	s.repos[key] = rp
}

// registerRepos serves reading and listing repositories.
func (s *Server) registerRepos() {
	s.handle("GET /repos/{owner}/{repo}", "repo", s.getRepo)
	s.handle("GET /orgs/{org}/repos", "", s.listOrgRepos)
	s.handle("GET /users/{user}/repos", "", s.listUserRepos)
	s.handle("GET /user/repos", "", s.listAuthenticatedUserRepos)
}

// repoLocked returns the repository named in the request path, or nil.
func (s *Server) repoLocked(r *http.Request) *repo {
	return s.repos[strings.ToLower(r.PathValue("owner")+"/"+r.PathValue("repo"))]
}

// getRepo serves GET /repos/{owner}/{repo}.
func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.repoLocked(r)
	if rp == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository")
		return
	}
	writeJSON(w, http.StatusOK, s.repoJSON(rp, caller))
}

// listOrgRepos serves GET /orgs/{org}/repos: 404 unless org is an
// organization.
func (s *Server) listOrgRepos(w http.ResponseWriter, r *http.Request, caller *token) {
	o := s.ownerLocked(r.PathValue("org"))
	if o == nil || !o.isOrg {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#list-organization-repositories")
		return
	}
	s.writeRepoPage(w, r, caller, func(rp *repo) bool { return rp.owner == o })
}

// listUserRepos serves GET /users/{user}/repos, the public repositories the
// user (or organization) owns.
func (s *Server) listUserRepos(w http.ResponseWriter, r *http.Request, caller *token) {
	o := s.ownerLocked(r.PathValue("user"))
	if o == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#list-repositories-for-a-user")
		return
	}
	s.writeRepoPage(w, r, caller, func(rp *repo) bool { return rp.owner == o })
}

// listAuthenticatedUserRepos serves GET /user/repos: the caller's own
// repositories (affiliation owner) and those it administers as a
// collaborator (affiliation collaborator); both unless affiliation says
// otherwise. The fake has no organization membership.
func (s *Server) listAuthenticatedUserRepos(w http.ResponseWriter, r *http.Request, caller *token) {
	affiliation := r.URL.Query().Get("affiliation")
	if affiliation == "" {
		affiliation = "owner,collaborator,organization_member"
	}
	wants := strings.Split(affiliation, ",")
	s.writeRepoPage(w, r, caller, func(rp *repo) bool {
		owned := !rp.owner.isOrg && strings.EqualFold(rp.owner.login, caller.login)
		return owned && slices.Contains(wants, "owner") ||
			!owned && rp.admins[strings.ToLower(caller.login)] && slices.Contains(wants, "collaborator")
	})
}

// writeRepoPage writes one page of the repositories that match, oldest
// first, with GitHub's Link header.
func (s *Server) writeRepoPage(w http.ResponseWriter, r *http.Request, caller *token, match func(*repo) bool) {
	var all []*repo
	for _, rp := range s.repos {
		if match(rp) {
			all = append(all, rp)
		}
	}
	slices.SortFunc(all, func(a, b *repo) int { return int(a.id - b.id) })
	page := paginate(w, r, s.srv.URL, all)
	out := make([]map[string]any, 0, len(page))
	for _, rp := range page {
		out = append(out, s.repoJSON(rp, caller))
	}
	writeJSON(w, http.StatusOK, out)
}

// paginate returns the page of items that the request's page and per_page
// ask for (GitHub's defaults: page 1, 30 per page, at most 100) and sets the
// Link header with the next, last, first and prev relations.
func paginate[T any](w http.ResponseWriter, r *http.Request, serverURL string, items []T) []T {
	q := r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage < 1 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	last := max(1, (len(items)+perPage-1)/perPage)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return fmt.Sprintf("<%s%s>; rel=%q", serverURL, u.RequestURI(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(min(page-1, last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := (page - 1) * perPage
	if start >= len(items) {
		return nil
	}
	return items[start:min(start+perPage, len(items))]
}

// repoJSON renders a repository as the caller sees it: GitHub includes the
// caller's permissions on authenticated requests.
func (s *Server) repoJSON(rp *repo, caller *token) map[string]any {
	admin := rp.isAdmin(caller.login)
	apiURL := s.URL() + "repos/" + rp.fullName()
	created := rp.created.Format(time.RFC3339)
	return map[string]any{
		"id":             rp.id,
		"node_id":        fmt.Sprintf("R_fake%d", rp.id),
		"name":           rp.name,
		"full_name":      rp.fullName(),
		"private":        false,
		"visibility":     "public",
		"owner":          s.userJSON(rp.owner),
		"html_url":       "https://github.com/" + rp.fullName(),
		"url":            apiURL,
		"hooks_url":      apiURL + "/hooks",
		"clone_url":      "https://github.com/" + rp.fullName() + ".git",
		"default_branch": "main",
		"fork":           false,
		"archived":       false,
		"disabled":       false,
		"created_at":     created,
		"updated_at":     created,
		"pushed_at":      created,
		"permissions": map[string]bool{
			"admin":    admin,
			"maintain": admin,
			"push":     admin,
			"triage":   admin,
			"pull":     true,
		},
	}
}
