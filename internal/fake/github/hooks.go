package github

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Hook is a repository webhook as the fake stores it, secret included, so
// tests can check what a client configured.
type Hook struct {
	ID          int64
	URL         string
	ContentType string
	Secret      string
	InsecureSSL string
	Events      []string
	Active      bool
}

// hook is a stored webhook.
type hook struct {
	Hook
	created, updated time.Time
}

// Hooks returns copies of the webhooks of owner/name, oldest first; nil if the
// repository does not exist.
func (s *Server) Hooks(ownerLogin, name string) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[strings.ToLower(ownerLogin+"/"+name)]
	if rp == nil {
		return nil
	}
	out := make([]Hook, 0, len(rp.hooks))
	for _, h := range rp.hooks {
		c := h.Hook
		c.Events = slices.Clone(h.Events)
		out = append(out, c)
	}
	return out
}

// RemoveHook deletes a webhook behind the API's back, as a user does on the
// repository's settings page, so tests can check that a client notices. It
// reports whether the hook existed.
func (s *Server) RemoveHook(ownerLogin, name string, id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[strings.ToLower(ownerLogin+"/"+name)]
	if rp == nil {
		return false
	}
	n := len(rp.hooks)
	rp.hooks = slices.DeleteFunc(rp.hooks, func(h *hook) bool { return h.ID == id })
	return len(rp.hooks) < n
}

// OAuth scopes GitHub accepts on the repository webhook endpoints. The fake's
// repositories are public, so public_repo counts like repo; write:repo_hook
// cannot delete.
var (
	hookReadScopes   = []string{"admin:repo_hook", "public_repo", "read:repo_hook", "repo", "write:repo_hook"}
	hookWriteScopes  = []string{"admin:repo_hook", "public_repo", "repo", "write:repo_hook"}
	hookDeleteScopes = []string{"admin:repo_hook", "public_repo", "repo"}
)

const hooksDocURL = "https://docs.github.com/rest/repos/webhooks"

// registerHooks serves the repository webhook endpoints.
func (s *Server) registerHooks() {
	s.handle("GET /repos/{owner}/{repo}/hooks", strings.Join(hookReadScopes, ", "), s.listHooks)
	s.handle("POST /repos/{owner}/{repo}/hooks", strings.Join(hookWriteScopes, ", "), s.createHook)
	s.handle("GET /repos/{owner}/{repo}/hooks/{id}", strings.Join(hookReadScopes, ", "), s.getHook)
	s.handle("PATCH /repos/{owner}/{repo}/hooks/{id}", strings.Join(hookWriteScopes, ", "), s.updateHook)
	s.handle("DELETE /repos/{owner}/{repo}/hooks/{id}", strings.Join(hookDeleteScopes, ", "), s.deleteHook)
}

// hookRepoLocked returns the repository of a webhook request, or writes
// GitHub's answer to a caller who may not manage its hooks: 404, never 403,
// so that private repositories do not leak.
func (s *Server) hookRepoLocked(w http.ResponseWriter, r *http.Request, caller *token, scopes []string) *repo {
	rp := s.repoLocked(r)
	if rp == nil || !rp.isAdmin(caller.login) || !caller.hasAnyScope(scopes...) {
		writeError(w, http.StatusNotFound, "Not Found", hooksDocURL)
		return nil
	}
	return rp
}

// hookLocked returns the webhook named in the path, or writes 404.
func (s *Server) hookLocked(w http.ResponseWriter, r *http.Request, rp *repo) *hook {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		for _, h := range rp.hooks {
			if h.ID == id {
				return h
			}
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", hooksDocURL)
	return nil
}

// listHooks serves GET /repos/{owner}/{repo}/hooks.
func (s *Server) listHooks(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.hookRepoLocked(w, r, caller, hookReadScopes)
	if rp == nil {
		return
	}
	page := paginate(w, r, s.srv.URL, rp.hooks)
	out := make([]map[string]any, 0, len(page))
	for _, h := range page {
		out = append(out, s.hookJSON(rp, h))
	}
	writeJSON(w, http.StatusOK, out)
}

// getHook serves GET /repos/{owner}/{repo}/hooks/{id}.
func (s *Server) getHook(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.hookRepoLocked(w, r, caller, hookReadScopes)
	if rp == nil {
		return
	}
	if h := s.hookLocked(w, r, rp); h != nil {
		writeJSON(w, http.StatusOK, s.hookJSON(rp, h))
	}
}

// hookRequest is the body of creating or updating a webhook.
type hookRequest struct {
	Name         *string        `json:"name"`
	Config       map[string]any `json:"config"`
	Events       []string       `json:"events"`
	AddEvents    []string       `json:"add_events"`
	RemoveEvents []string       `json:"remove_events"`
	Active       *bool          `json:"active"`
}

func decodeHookRequest(w http.ResponseWriter, r *http.Request) (hookRequest, bool) {
	var req hookRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", hooksDocURL)
		return req, false
	}
	return req, true
}

// applyConfig replaces h's configuration with config, as GitHub does: a
// secret left out of an update is removed. It writes 422 and returns false
// when the configuration is invalid or its URL is already used by another
// hook of rp.
func applyConfig(w http.ResponseWriter, rp *repo, h *hook, config map[string]any, docURL string) bool {
	str := func(k string) string {
		switch v := config[k].(type) {
		case nil:
			return ""
		case string:
			return v
		default:
			return fmt.Sprint(v)
		}
	}
	target := str("url")
	if u, err := url.Parse(target); target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		writeValidationFailed(w, "Hook", "Config must contain a valid http or https url", docURL)
		return false
	}
	for _, other := range rp.hooks {
		if other.ID != h.ID && other.URL == target {
			writeValidationFailed(w, "Hook", "Hook already exists on this repository", docURL)
			return false
		}
	}
	h.URL = target
	h.ContentType = str("content_type")
	if h.ContentType == "" {
		h.ContentType = "form"
	}
	h.Secret = str("secret")
	h.InsecureSSL = str("insecure_ssl")
	if h.InsecureSSL == "" {
		h.InsecureSSL = "0"
	}
	return true
}

// createHook serves POST /repos/{owner}/{repo}/hooks: 201 with the hook,
// its secret masked.
func (s *Server) createHook(w http.ResponseWriter, r *http.Request, caller *token) {
	const docURL = hooksDocURL + "#create-a-repository-webhook"
	rp := s.hookRepoLocked(w, r, caller, hookWriteScopes)
	if rp == nil {
		return
	}
	req, ok := decodeHookRequest(w, r)
	if !ok {
		return
	}
	if req.Name != nil && *req.Name != "web" {
		writeValidationFailed(w, "Hook", "Name must be \"web\"", docURL)
		return
	}
	h := &hook{Hook: Hook{Active: true, Events: []string{"push"}}}
	if !applyConfig(w, rp, h, req.Config, docURL) {
		return
	}
	if len(req.Events) > 0 {
		h.Events = slices.Clone(req.Events)
	}
	if req.Active != nil {
		h.Active = *req.Active
	}
	s.nextID++
	h.ID = s.nextID
	h.created = time.Now().UTC().Truncate(time.Second)
	h.updated = h.created
	rp.hooks = append(rp.hooks, h)
	w.Header().Set("Location", s.hookURL(rp, h))
	writeJSON(w, http.StatusCreated, s.hookJSON(rp, h))
}

// updateHook serves PATCH /repos/{owner}/{repo}/hooks/{id}. A config in the
// body replaces the whole configuration; events replaces the events, and
// add_events and remove_events edit them.
func (s *Server) updateHook(w http.ResponseWriter, r *http.Request, caller *token) {
	const docURL = hooksDocURL + "#update-a-repository-webhook"
	rp := s.hookRepoLocked(w, r, caller, hookWriteScopes)
	if rp == nil {
		return
	}
	h := s.hookLocked(w, r, rp)
	if h == nil {
		return
	}
	req, ok := decodeHookRequest(w, r)
	if !ok {
		return
	}
	// Validate on a copy so that a refused update changes nothing.
	next := *h
	next.Events = slices.Clone(h.Events)
	if req.Config != nil && !applyConfig(w, rp, &next, req.Config, docURL) {
		return
	}
	if req.Events != nil {
		next.Events = slices.Clone(req.Events)
	}
	for _, e := range req.AddEvents {
		if !slices.Contains(next.Events, e) {
			next.Events = append(next.Events, e)
		}
	}
	next.Events = slices.DeleteFunc(next.Events, func(e string) bool { return slices.Contains(req.RemoveEvents, e) })
	if req.Active != nil {
		next.Active = *req.Active
	}
	next.updated = time.Now().UTC().Truncate(time.Second)
	*h = next
	writeJSON(w, http.StatusOK, s.hookJSON(rp, h))
}

// deleteHook serves DELETE /repos/{owner}/{repo}/hooks/{id}: 204.
func (s *Server) deleteHook(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.hookRepoLocked(w, r, caller, hookDeleteScopes)
	if rp == nil {
		return
	}
	h := s.hookLocked(w, r, rp)
	if h == nil {
		return
	}
	rp.hooks = slices.DeleteFunc(rp.hooks, func(x *hook) bool { return x == h })
	w.WriteHeader(http.StatusNoContent)
}

// hookURL is the API URL of a webhook.
func (s *Server) hookURL(rp *repo, h *hook) string {
	return fmt.Sprintf("%srepos/%s/hooks/%d", s.URL(), rp.fullName(), h.ID)
}

// hookJSON renders a webhook as GitHub does: the secret, when set, reads
// back as "********".
func (s *Server) hookJSON(rp *repo, h *hook) map[string]any {
	self := s.hookURL(rp, h)
	config := map[string]any{
		"url":          h.URL,
		"content_type": h.ContentType,
		"insecure_ssl": h.InsecureSSL,
	}
	if h.Secret != "" {
		config["secret"] = "********"
	}
	return map[string]any{
		"type":           "Repository",
		"id":             h.ID,
		"name":           "web",
		"active":         h.Active,
		"events":         h.Events,
		"config":         config,
		"created_at":     h.created.Format(time.RFC3339),
		"updated_at":     h.updated.Format(time.RFC3339),
		"url":            self,
		"test_url":       self + "/test",
		"ping_url":       self + "/pings",
		"deliveries_url": self + "/deliveries",
		"last_response":  map[string]any{"code": nil, "status": "unused", "message": nil},
	}
}
