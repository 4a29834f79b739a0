// Package datadog is an in-process fake of the Datadog API of one site for
// tests: key validation (GET /api/v1/validate), the organization (GET
// /api/v1/org), events (POST /api/v1/events), muting and unmuting monitors
// (POST /api/v1/monitor/{id}/mute and /unmute) and the Webhooks
// integration's webhooks (POST, GET, PUT and DELETE
// /api/v1/integration/webhooks/configuration/webhooks[/{name}]). It
// authenticates as Datadog documents, with the DD-API-KEY and
// DD-APPLICATION-KEY headers, and answers in Datadog's shapes and status
// codes: 403 {"errors": ["Forbidden"]} for a missing or wrong key, 404
// {"errors": [...]} for an unknown monitor or webhook, 400 for bad input,
// 202 {"status": "ok", "event": {...}} for a posted event. It can also
// deliver a monitor notification to a webhook it holds, with the webhook's
// custom headers and its payload's variables filled in (Notify).
package datadog

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TB is what a fake needs of its user: a *testing.T in tests, or a small
// shim in a program that serves the fake on its own (cmd/superplane-fakes).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Request is a request the fake received: its method and path, and which
// keys it carried (never their values).
type Request struct {
	Method, Path    string
	APIKey, AppKey  bool
	Body            []byte
	ValidAPIKey     bool
	ValidAppKey     bool
	ContentTypeJSON bool
}

// Server is a fake Datadog site on a loopback httptest server. It is safe
// for concurrent use.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	org       string
	apiKeys   map[string]bool
	appKeys   map[string]bool
	webhooks  map[string]*Webhook
	monitors  map[int]*Monitor
	events    []Event
	nextEvent int64
	requests  []Request
	// webhookWrites refuses webhook writes with 403 when false, as an
	// application key without the manage webhooks permission is.
	webhookWrites bool
}

// Webhook is a webhook of the Webhooks integration as the fake stores it.
type Webhook struct {
	Name, URL     string
	Payload       *string
	CustomHeaders *string
	EncodeAs      string
}

// Monitor is a monitor that can be muted.
type Monitor struct {
	ID    int
	Name  string
	Muted bool
	// Scope and End are what the last mute asked ({"scope", "end"}).
	Scope string
	End   int64
}

// Event is a posted event.
type Event struct {
	ID    int64
	Title string
	Text  string
	Tags  []string
}

// New starts a fake Datadog site, closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{org: "Acme", apiKeys: map[string]bool{}, appKeys: map[string]bool{}, webhooks: map[string]*Webhook{},
		monitors: map[int]*Monitor{}, nextEvent: 5000000000, webhookWrites: true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/validate", s.validate)
	mux.HandleFunc("GET /api/v1/org", s.both(s.getOrg))
	mux.HandleFunc("POST /api/v1/events", s.apiKeyOnly(s.postEvent))
	mux.HandleFunc("POST /api/v1/monitor/{id}/mute", s.both(s.mute(true)))
	mux.HandleFunc("POST /api/v1/monitor/{id}/unmute", s.both(s.mute(false)))
	s.registerWebhooks(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, errs("Not found"))
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := readBody(r)
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.EscapedPath(), Body: body,
			APIKey: r.Header.Get("DD-API-KEY") != "", AppKey: r.Header.Get("DD-APPLICATION-KEY") != "",
			ValidAPIKey: s.apiKeys[r.Header.Get("DD-API-KEY")], ValidAppKey: s.appKeys[r.Header.Get("DD-APPLICATION-KEY")],
			ContentTypeJSON: strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"),
		})
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the API base, the fake's stand-in for https://api.<site>.
func (s *Server) URL() string { return s.srv.URL }

// AddKeys makes apiKey a valid API key and appKey a valid application key
// of the fake's organization.
func (s *Server) AddKeys(apiKey, appKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKeys[apiKey], s.appKeys[appKey] = true, true
}

// RevokeAPIKey makes key invalid, as a revoked API key is.
func (s *Server) RevokeAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.apiKeys, key)
}

// RevokeAppKey makes key invalid, as a revoked application key is.
func (s *Server) RevokeAppKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.appKeys, key)
}

// AllowWebhookWrites says whether webhook writes are allowed (false: 403,
// as for an application key without the permission).
func (s *Server) AllowWebhookWrites(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookWrites = ok
}

// AddMonitor creates a monitor and returns its id.
func (s *Server) AddMonitor(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := 1000 + len(s.monitors) + 1
	s.monitors[id] = &Monitor{ID: id, Name: name}
	return id
}

// Monitor returns a copy of the monitor with id.
func (s *Server) Monitor(id int) (Monitor, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.monitors[id]
	if !ok {
		return Monitor{}, false
	}
	return *m, true
}

// Events returns the posted events, in order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event{}, s.events...)
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request{}, s.requests...)
}

// errs is Datadog's v1 error body.
func errs(msgs ...string) map[string][]string { return map[string][]string{"errors": msgs} }

// forbidden is Datadog's answer to a missing or wrong key.
func forbidden(w http.ResponseWriter) { writeJSON(w, http.StatusForbidden, errs("Forbidden")) }

func (s *Server) keysOK(r *http.Request, needApp bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.apiKeys[r.Header.Get("DD-API-KEY")] {
		return false
	}
	return !needApp || s.appKeys[r.Header.Get("DD-APPLICATION-KEY")]
}

// apiKeyOnly wraps h with the API key check (endpoints that write data).
func (s *Server) apiKeyOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.keysOK(r, false) {
			forbidden(w)
			return
		}
		h(w, r)
	}
}

// both wraps h with the check of both keys (endpoints that read or manage).
func (s *Server) both(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.keysOK(r, true) {
			forbidden(w)
			return
		}
		h(w, r)
	}
}

// validate serves GET /api/v1/validate: {"valid": true}, or 403.
func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	if !s.keysOK(r, false) {
		forbidden(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"valid": true})
}

// getOrg serves GET /api/v1/org.
func (s *Server) getOrg(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"orgs": []map[string]any{{"name": s.org, "public_id": "abc123def456"}}})
}

// postEvent serves POST /api/v1/events: title and text are required.
func (s *Server) postEvent(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title string   `json:"title"`
		Text  string   `json:"text"`
		Tags  []string `json:"tags"`
	}
	body, _ := readBody(r)
	if err := json.Unmarshal(body, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, errs("Invalid JSON"))
		return
	}
	if in.Title == "" || in.Text == "" {
		writeJSON(w, http.StatusBadRequest, errs("Event title and text are required"))
		return
	}
	s.mu.Lock()
	s.nextEvent++
	e := Event{ID: s.nextEvent, Title: in.Title, Text: in.Text, Tags: in.Tags}
	s.events = append(s.events, e)
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "ok", "event": map[string]any{
		"id": e.ID, "id_str": strconv.FormatInt(e.ID, 10), "title": e.Title, "text": e.Text, "tags": e.Tags,
		"date_happened": time.Now().Unix(), "url": s.srv.URL + "/event/event?id=" + strconv.FormatInt(e.ID, 10),
	}})
}

// mute serves POST /api/v1/monitor/{id}/mute and /unmute: the monitor, or
// 404 for an unknown id.
func (s *Server) mute(muted bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errs("Invalid monitor id"))
			return
		}
		var in struct {
			Scope string `json:"scope"`
			End   int64  `json:"end"`
		}
		if body, _ := readBody(r); len(body) > 0 {
			if json.Unmarshal(body, &in) != nil {
				writeJSON(w, http.StatusBadRequest, errs("Invalid JSON"))
				return
			}
		}
		s.mu.Lock()
		m, ok := s.monitors[id]
		if ok {
			m.Muted, m.Scope, m.End = muted, in.Scope, in.End
		}
		var out Monitor
		if ok {
			out = *m
		}
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, errs("Monitor not found"))
			return
		}
		silenced := map[string]any{}
		if out.Muted {
			scope := out.Scope
			if scope == "" {
				scope = "*"
			}
			silenced[scope] = nil
			if out.End != 0 {
				silenced[scope] = out.End
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": out.ID, "name": out.Name, "type": "metric alert",
			"options": map[string]any{"silenced": silenced}, "overall_state": "OK"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
