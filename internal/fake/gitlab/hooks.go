package gitlab

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// HookEventFields are the event flags of a project hook, by the
// X-Gitlab-Event header of the deliveries each one subscribes to, as
// GitLab's project hooks API and webhook events pages name them.
var HookEventFields = map[string]string{
	"Push Hook":               "push_events",
	"Tag Push Hook":           "tag_push_events",
	"Merge Request Hook":      "merge_requests_events",
	"Issue Hook":              "issues_events",
	"Confidential Issue Hook": "confidential_issues_events",
	"Note Hook":               "note_events",
	"Confidential Note Hook":  "confidential_note_events",
	"Job Hook":                "job_events",
	"Pipeline Hook":           "pipeline_events",
	"Wiki Page Hook":          "wiki_page_events",
	"Deployment Hook":         "deployment_events",
	"Release Hook":            "releases_events",
	"Feature Flag Hook":       "feature_flag_events",
	"Emoji Hook":              "emoji_events",
}

// Hook is a project webhook as the fake stores it. Token is what GitLab
// sends as X-Gitlab-Token and never shows in an answer.
type Hook struct {
	ID                    int
	URL                   string
	Token                 string
	Events                map[string]bool // by field name (push_events...)
	EnableSSLVerification bool
	CreatedAt             time.Time
	// AlertStatus is "executable", "temporarily_disabled" (until
	// DisabledUntil) or "disabled", as GitLab's auto-disabling sets it
	// (Deliver does it the same way); "" reads as executable.
	AlertStatus   string
	DisabledUntil time.Time
	// failures counts the deliveries in a row that failed.
	failures int
}

type hookRec struct{ Hook }

// The auto-disabling of failing webhooks, as GitLab's webhook docs
// describe it: four failures in a row disable a hook; a 4xx for good until
// someone re-enables it, a 5xx (or no answer) for a while that grows.
const (
	hookFailuresToDisable = 4
	hookFirstBackoff      = time.Minute
)

func (h *Hook) alertStatus(now time.Time) string {
	switch {
	case h.AlertStatus == "", h.AlertStatus == "temporarily_disabled" && !now.Before(h.DisabledUntil):
		return "executable"
	}
	return h.AlertStatus
}

// recordDelivery counts a delivery's answer toward auto-disabling.
func (h *Hook) recordDelivery(status int, now time.Time) {
	if status >= 200 && status < 300 {
		h.failures, h.AlertStatus = 0, "executable"
		return
	}
	h.failures++
	if h.failures < hookFailuresToDisable {
		return
	}
	if status >= 500 || status == 0 {
		h.AlertStatus = "temporarily_disabled"
		h.DisabledUntil = now.Add(hookFirstBackoff << min(h.failures-hookFailuresToDisable, 10))
		return
	}
	h.AlertStatus = "disabled"
}

func (h *hookRec) json(projectID int) map[string]any {
	out := map[string]any{
		"id": h.ID, "url": h.URL, "project_id": projectID, "name": nil, "description": nil,
		"enable_ssl_verification": h.EnableSSLVerification, "created_at": timestamp(h.CreatedAt),
		"push_events_branch_filter": "", "branch_filter_strategy": "wildcard",
		"alert_status": h.alertStatus(time.Now()), "disabled_until": nil, "custom_webhook_template": "",
		"repository_update_events": false,
	}
	if out["alert_status"] == "temporarily_disabled" {
		out["disabled_until"] = timestamp(h.DisabledUntil)
	}
	for _, field := range HookEventFields {
		out[field] = h.Events[field]
	}
	return out
}

// hookInput is the body of a create or an edit: a field left out keeps its
// value (or GitLab's default, on create).
type hookInput struct {
	URL                   *string         `json:"url"`
	Token                 *string         `json:"token"`
	EnableSSLVerification *bool           `json:"enable_ssl_verification"`
	Events                map[string]bool `json:"-"`
}

func (in *hookInput) UnmarshalJSON(b []byte) error {
	type plain hookInput
	if err := json.Unmarshal(b, (*plain)(in)); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	in.Events = map[string]bool{}
	for _, field := range HookEventFields {
		if raw, ok := all[field]; ok {
			var v bool
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
			in.Events[field] = v
		}
	}
	return nil
}

// registerHooks serves the project hooks API. It needs the Maintainer role,
// as GitLab's does.
func (s *Server) registerHooks(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v4/projects/{id}/hooks", s.authenticated(s.listHooks))
	mux.HandleFunc("POST /api/v4/projects/{id}/hooks", s.authenticated(s.createHook))
	mux.HandleFunc("GET /api/v4/projects/{id}/hooks/{hook}", s.authenticated(s.getHook))
	mux.HandleFunc("PUT /api/v4/projects/{id}/hooks/{hook}", s.authenticated(s.editHook))
	mux.HandleFunc("DELETE /api/v4/projects/{id}/hooks/{hook}", s.authenticated(s.deleteHook))
}

// listHooks serves GET /projects/:id/hooks, paginated with page and
// per_page (20 by default, at most 100) and an X-Next-Page header.
func (s *Server) listHooks(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectFor(w, r, c, AccessMaintainer)
	if p == nil {
		return
	}
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if perPage <= 0 {
		perPage = 20
	}
	perPage = min(perPage, 100)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	all := s.hooks[p.id]
	out := []map[string]any{}
	for i := (page - 1) * perPage; i < len(all) && i < page*perPage; i++ {
		out = append(out, all[i].json(p.id))
	}
	next := ""
	if page*perPage < len(all) {
		next = strconv.Itoa(page + 1)
	}
	w.Header().Set("X-Next-Page", next)
	w.Header().Set("X-Page", strconv.Itoa(page))
	w.Header().Set("X-Per-Page", strconv.Itoa(perPage))
	w.Header().Set("X-Total", strconv.Itoa(len(all)))
	writeJSON(w, http.StatusOK, out)
}

// createHook serves POST /projects/:id/hooks: url is required; events
// default to push only and SSL verification to on, as GitLab's do.
func (s *Server) createHook(w http.ResponseWriter, r *http.Request, c caller) {
	var in hookInput
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectFor(w, r, c, AccessMaintainer)
	if p == nil {
		return
	}
	if in.URL == nil || *in.URL == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "url is missing"})
		return
	}
	s.nextHook++
	h := &hookRec{Hook{ID: s.nextHook, URL: *in.URL, EnableSSLVerification: true, CreatedAt: time.Now(),
		Events: map[string]bool{"push_events": true}}}
	apply(&h.Hook, in)
	s.hooks[p.id] = append(s.hooks[p.id], h)
	writeJSON(w, http.StatusCreated, h.json(p.id))
}

func apply(h *Hook, in hookInput) {
	if in.URL != nil {
		h.URL = *in.URL
	}
	if in.Token != nil {
		h.Token = *in.Token
	}
	if in.EnableSSLVerification != nil {
		h.EnableSSLVerification = *in.EnableSSLVerification
	}
	maps.Copy(h.Events, in.Events)
}

// hookFor finds the {hook} of the project; the caller holds s.mu.
func (s *Server) hookFor(w http.ResponseWriter, r *http.Request, p *project) *hookRec {
	id, _ := strconv.Atoi(r.PathValue("hook"))
	for _, h := range s.hooks[p.id] {
		if h.ID == id {
			return h
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
	return nil
}

// getHook serves GET /projects/:id/hooks/:hook_id.
func (s *Server) getHook(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projectFor(w, r, c, AccessMaintainer); p != nil {
		if h := s.hookFor(w, r, p); h != nil {
			writeJSON(w, http.StatusOK, h.json(p.id))
		}
	}
}

// editHook serves PUT /projects/:id/hooks/:hook_id, where url is required.
func (s *Server) editHook(w http.ResponseWriter, r *http.Request, c caller) {
	var in hookInput
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectFor(w, r, c, AccessMaintainer)
	if p == nil {
		return
	}
	h := s.hookFor(w, r, p)
	if h == nil {
		return
	}
	if in.URL == nil || *in.URL == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "url is missing"})
		return
	}
	apply(&h.Hook, in)
	writeJSON(w, http.StatusOK, h.json(p.id))
}

// deleteHook serves DELETE /projects/:id/hooks/:hook_id: 204, or 404 for a
// hook that is not there.
func (s *Server) deleteHook(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectFor(w, r, c, AccessMaintainer)
	if p == nil {
		return
	}
	h := s.hookFor(w, r, p)
	if h == nil {
		return
	}
	s.hooks[p.id] = slices.DeleteFunc(s.hooks[p.id], func(x *hookRec) bool { return x == h })
	w.WriteHeader(http.StatusNoContent)
}

// projectByPath returns the project with the full path; the caller holds
// s.mu.
func (s *Server) projectByPath(path string) *project {
	for _, p := range s.projects {
		if p.path == path || strconv.Itoa(p.id) == path {
			return p
		}
	}
	return nil
}

// Hooks returns copies of the project's hooks, oldest first, tokens
// included (what a test needs to check, and GitLab never shows).
func (s *Server) Hooks(path string) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectByPath(path)
	if p == nil {
		return nil
	}
	out := make([]Hook, 0, len(s.hooks[p.id]))
	for _, h := range s.hooks[p.id] {
		c := h.Hook
		c.Events = maps.Clone(h.Events)
		out = append(out, c)
	}
	return out
}

// EditHook changes a hook of the project as a user would on GitLab (a
// drift test): edit gets the stored hook.
func (s *Server) EditHook(path string, id int, edit func(*Hook)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projectByPath(path); p != nil {
		for _, h := range s.hooks[p.id] {
			if h.ID == id {
				edit(&h.Hook)
			}
		}
	}
}

// RemoveHook deletes a hook of the project as a user would on GitLab.
func (s *Server) RemoveHook(path string, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projectByPath(path); p != nil {
		s.hooks[p.id] = slices.DeleteFunc(s.hooks[p.id], func(h *hookRec) bool { return h.ID == id })
	}
}

// Delivery is one webhook request the fake sent and its answer.
type Delivery struct {
	HookID     int
	Status     int
	Body       []byte // the answer's body
	Idempotent string // the Idempotency-Key sent
}

// Deliver sends body as the event named by eventHeader ("Push Hook") to
// every hook of the project subscribed to it, as GitLab does:
// Content-Type application/json, User-Agent GitLab/<version>, X-Gitlab-Event,
// X-Gitlab-Instance, X-Gitlab-Webhook-UUID and X-Gitlab-Event-UUID (new
// for each request), Idempotency-Key (kept across retries: pass retryOf, a
// key sent before, to retry) and X-Gitlab-Token when the hook has a token.
// Errors reaching a hook are reported as status 0.
func (s *Server) Deliver(path, eventHeader string, body []byte, retryOf string) []Delivery {
	s.mu.Lock()
	p := s.projectByPath(path)
	var targets []Hook
	if p != nil {
		now := time.Now()
		for _, h := range s.hooks[p.id] {
			if h.Events[HookEventFields[eventHeader]] && h.alertStatus(now) == "executable" {
				targets = append(targets, h.Hook)
			}
		}
	}
	s.mu.Unlock()
	client := &http.Client{Timeout: 10 * time.Second}
	var out []Delivery
	for _, h := range targets {
		key := retryOf
		if key == "" {
			key = newUUID()
		}
		d := Delivery{HookID: h.ID, Idempotent: key}
		req, err := http.NewRequest(http.MethodPost, h.URL, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "GitLab/17.6.0")
			req.Header.Set("X-Gitlab-Event", eventHeader)
			req.Header.Set("X-Gitlab-Instance", s.srv.URL)
			req.Header.Set("X-Gitlab-Webhook-UUID", newUUID())
			req.Header.Set("X-Gitlab-Event-UUID", newUUID())
			req.Header.Set("Idempotency-Key", key)
			if h.Token != "" {
				req.Header.Set("X-Gitlab-Token", h.Token)
			}
			if resp, err := client.Do(req); err == nil {
				d.Status = resp.StatusCode
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				_ = resp.Body.Close()
				d.Body = buf.Bytes()
			}
		}
		out = append(out, d)
		s.recordDelivery(p, h.ID, d.Status)
	}
	return out
}

// recordDelivery counts a delivery's answer on the hook it went to.
func (s *Server) recordDelivery(p *project, id, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hooks[p.id] {
		if h.ID == id {
			h.recordDelivery(status, time.Now())
		}
	}
}
