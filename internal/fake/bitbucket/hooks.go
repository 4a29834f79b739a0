package bitbucket

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Hook is a repository webhook as the fake stores it, secret included, so
// tests can check what a client configured.
type Hook struct {
	UUID        string
	URL         string
	Description string
	Secret      string
	Events      []string
	Active      bool
	SkipCert    bool
}

// hook is a stored webhook.
type hook struct {
	Hook
	created time.Time
}

// repoEvents are the event keys a repository webhook may subscribe to, as
// Bitbucket documents them; others are refused with 400.
var repoEvents = []string{
	"issue:comment_created", "issue:created", "issue:updated",
	"pullrequest:approved", "pullrequest:changes_request_created", "pullrequest:changes_request_removed",
	"pullrequest:comment_created", "pullrequest:comment_deleted", "pullrequest:comment_reopened",
	"pullrequest:comment_resolved", "pullrequest:comment_updated", "pullrequest:created",
	"pullrequest:fulfilled", "pullrequest:push", "pullrequest:rejected", "pullrequest:unapproved",
	"pullrequest:updated", "repo:commit_comment_created", "repo:commit_status_created",
	"repo:commit_status_updated", "repo:created", "repo:fork", "repo:imported", "repo:push",
	"repo:transfer", "repo:updated",
}

// Hooks returns copies of the webhooks of workspace/repo, oldest first; nil
// when the repository does not exist.
func (s *Server) Hooks(workspace, repo string) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[workspace+"/"+repo]
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

// EditHook changes a webhook behind the API's back, as a user does on the
// repository's settings page, so tests can check that a client notices.
// It reports whether the hook existed.
func (s *Server) EditHook(workspace, repo, uuid string, edit func(*Hook)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[workspace+"/"+repo]
	if rp == nil {
		return false
	}
	for _, h := range rp.hooks {
		if sameUUID(h.UUID, uuid) {
			edit(&h.Hook)
			return true
		}
	}
	return false
}

// RemoveHook deletes a webhook behind the API's back. It reports whether
// the hook existed.
func (s *Server) RemoveHook(workspace, repo, uuid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[workspace+"/"+repo]
	if rp == nil {
		return false
	}
	n := len(rp.hooks)
	rp.hooks = slices.DeleteFunc(rp.hooks, func(h *hook) bool { return sameUUID(h.UUID, uuid) })
	return len(rp.hooks) < n
}

// registerHooks serves the repository webhook endpoints.
func (s *Server) registerHooks() {
	s.handle("GET /2.0/repositories/{workspace}/{repo}/hooks", s.listHooks)
	s.handle("POST /2.0/repositories/{workspace}/{repo}/hooks", s.createHook)
	s.handle("GET /2.0/repositories/{workspace}/{repo}/hooks/{uid}", s.getHook)
	s.handle("PUT /2.0/repositories/{workspace}/{repo}/hooks/{uid}", s.updateHook)
	s.handle("DELETE /2.0/repositories/{workspace}/{repo}/hooks/{uid}", s.deleteHook)
}

// hookRepoLocked returns the repository of a webhook request, or writes
// Bitbucket's answer: 404 for a repository the caller cannot see, 403 for
// one it may read but not administer.
func (s *Server) hookRepoLocked(w http.ResponseWriter, r *http.Request, c caller) *repo {
	rp := s.readableRepoLocked(w, r, c)
	if rp == nil {
		return nil
	}
	if !c.canAdmin(s, rp) {
		writeError(w, http.StatusForbidden, "You do not have admin access to this repository.")
		return nil
	}
	return rp
}

// hookLocked returns the webhook named in the path (with or without its
// braces), or writes 404.
func (s *Server) hookLocked(w http.ResponseWriter, r *http.Request, rp *repo) *hook {
	for _, h := range rp.hooks {
		if sameUUID(h.UUID, r.PathValue("uid")) {
			return h
		}
	}
	writeError(w, http.StatusNotFound, "Webhook not found")
	return nil
}

// listHooks serves GET .../hooks, paginated.
func (s *Server) listHooks(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.hookRepoLocked(w, r, c)
	if rp == nil {
		return
	}
	values := make([]any, 0, len(rp.hooks))
	for _, h := range rp.hooks {
		values = append(values, s.hookJSON(rp, h))
	}
	writePage(w, r, s.srv.URL, values)
}

// getHook serves GET .../hooks/{uid}.
func (s *Server) getHook(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.hookRepoLocked(w, r, c)
	if rp == nil {
		return
	}
	if h := s.hookLocked(w, r, rp); h != nil {
		writeJSON(w, http.StatusOK, s.hookJSON(rp, h))
	}
}

// hookRequest is the body of creating or updating a webhook. A field left
// out of an update keeps its value; "secret": null removes the secret.
type hookRequest struct {
	Description *string         `json:"description"`
	URL         *string         `json:"url"`
	Active      *bool           `json:"active"`
	Events      []string        `json:"events"`
	Secret      json.RawMessage `json:"secret"`
	SkipCert    *bool           `json:"skip_cert_verification"`
}

// apply checks req and applies it to h; it writes 400 and returns false
// when the request is invalid.
func (req hookRequest) apply(w http.ResponseWriter, h *Hook, create bool) bool {
	if req.URL != nil || create {
		target := ""
		if req.URL != nil {
			target = *req.URL
		}
		if u, err := url.Parse(target); target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			writeError(w, http.StatusBadRequest, "url: Enter a valid URL.")
			return false
		}
		h.URL = target
	}
	if req.Events != nil || create {
		if len(req.Events) == 0 {
			writeError(w, http.StatusBadRequest, "events: This field is required.")
			return false
		}
		for _, e := range req.Events {
			if !slices.Contains(repoEvents, e) {
				writeError(w, http.StatusBadRequest, "events: Invalid event: "+e)
				return false
			}
		}
		h.Events = slices.Clone(req.Events)
	}
	if req.Description != nil {
		h.Description = *req.Description
	}
	if req.Active != nil {
		h.Active = *req.Active
	}
	if req.SkipCert != nil {
		h.SkipCert = *req.SkipCert
	}
	if len(req.Secret) > 0 {
		var secret *string
		if err := json.Unmarshal(req.Secret, &secret); err != nil {
			writeError(w, http.StatusBadRequest, "secret: Not a valid string.")
			return false
		}
		h.Secret = ""
		if secret != nil {
			if len(*secret) > 128 {
				writeError(w, http.StatusBadRequest, "secret: Ensure this field has no more than 128 characters.")
				return false
			}
			h.Secret = *secret
		}
	}
	return true
}

func decodeHookRequest(w http.ResponseWriter, r *http.Request) (hookRequest, bool) {
	var req hookRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Malformed JSON")
		return req, false
	}
	return req, true
}

// createHook serves POST .../hooks: 201 with the hook and its Location.
func (s *Server) createHook(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.hookRepoLocked(w, r, c)
	if rp == nil {
		return
	}
	req, ok := decodeHookRequest(w, r)
	if !ok {
		return
	}
	h := &hook{Hook: Hook{UUID: newUUID(), Active: true}, created: time.Now().UTC()}
	if !req.apply(w, &h.Hook, true) {
		return
	}
	rp.hooks = append(rp.hooks, h)
	w.Header().Set("Location", s.hookURL(rp, h))
	writeJSON(w, http.StatusCreated, s.hookJSON(rp, h))
}

// updateHook serves PUT .../hooks/{uid}: 200 with the hook.
func (s *Server) updateHook(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.hookRepoLocked(w, r, c)
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
	// Apply to a copy, so that a refused update changes nothing.
	next := h.Hook
	next.Events = slices.Clone(h.Events)
	if !req.apply(w, &next, false) {
		return
	}
	h.Hook = next
	writeJSON(w, http.StatusOK, s.hookJSON(rp, h))
}

// deleteHook serves DELETE .../hooks/{uid}: 204.
func (s *Server) deleteHook(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.hookRepoLocked(w, r, c)
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

func (s *Server) hookURL(rp *repo, h *hook) string {
	return s.srv.URL + "/2.0/repositories/" + rp.workspace + "/" + rp.slug + "/hooks/" + url.PathEscape(h.UUID)
}

// hookJSON renders a webhook as Bitbucket does: never the secret, only
// whether there is one.
func (s *Server) hookJSON(rp *repo, h *hook) map[string]any {
	return map[string]any{
		"type":                   "webhook_subscription",
		"uuid":                   h.UUID,
		"url":                    h.URL,
		"description":            h.Description,
		"subject_type":           "repository",
		"subject":                s.repoJSON(rp),
		"active":                 h.Active,
		"created_at":             h.created.Format(time.RFC3339Nano),
		"events":                 h.Events,
		"secret_set":             h.Secret != "",
		"skip_cert_verification": h.SkipCert,
		"links":                  map[string]any{"self": map[string]any{"href": s.hookURL(rp, h)}},
	}
}

// Delivery is what Deliver sent to one hook and how it was answered.
type Delivery struct {
	HookUUID    string
	RequestUUID string
	Status      int
	Body        string
}

// Deliver sends event (an X-Event-Key such as repo:push) with body to every
// active webhook of workspace/repo subscribed to it, as Bitbucket delivers:
// a POST of the JSON body with X-Event-Key, X-Hook-UUID, X-Request-UUID and
// X-Attempt-Number, and, for a hook with a secret, X-Hub-Signature:
// sha256=<hex HMAC-SHA256 of the body>. It is called outside any request
// and returns each hook's answer.
func (s *Server) Deliver(ctx context.Context, workspace, repo, event string, body []byte) []Delivery {
	s.mu.Lock()
	var targets []Hook
	if rp := s.repos[workspace+"/"+repo]; rp != nil {
		for _, h := range rp.hooks {
			if h.Active && slices.Contains(h.Events, event) {
				targets = append(targets, h.Hook)
			}
		}
	}
	s.mu.Unlock()
	out := make([]Delivery, 0, len(targets))
	for _, h := range targets {
		d := Delivery{HookUUID: h.UUID, RequestUUID: strings.Trim(newUUID(), "{}")}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
		if err != nil {
			d.Body = err.Error()
			out = append(out, d)
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
		req.Header.Set("X-Event-Key", event)
		req.Header.Set("X-Hook-UUID", strings.Trim(h.UUID, "{}"))
		req.Header.Set("X-Request-UUID", d.RequestUUID)
		req.Header.Set("X-Attempt-Number", "1")
		if h.Secret != "" {
			req.Header.Set("X-Hub-Signature", Sign(h.Secret, body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			d.Body = err.Error()
			out = append(out, d)
			continue
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(http.MaxBytesReader(nil, resp.Body, 1<<16))
		_ = resp.Body.Close()
		d.Status, d.Body = resp.StatusCode, buf.String()
		out = append(out, d)
	}
	return out
}

// Sign is the X-Hub-Signature value Bitbucket sends for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// sameUUID compares uuids with or without braces, without case.
func sameUUID(a, b string) bool {
	trim := func(s string) string { return strings.ToLower(strings.Trim(s, "{}")) }
	return a != "" && trim(a) == trim(b)
}
