package datadog

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// maxBody bounds a request body the fake reads.
const maxBody = 1 << 20

// readBody reads r's body and puts it back, so the request log and the
// handler both see it.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

func (s *Server) registerWebhooks(mux *http.ServeMux) {
	const base = "/api/v1/integration/webhooks/configuration/webhooks"
	mux.HandleFunc("POST "+base, s.both(s.createWebhook))
	mux.HandleFunc("GET "+base+"/{name}", s.both(s.getWebhook))
	mux.HandleFunc("PUT "+base+"/{name}", s.both(s.updateWebhook))
	mux.HandleFunc("DELETE "+base+"/{name}", s.both(s.deleteWebhook))
}

// webhookInput is a create or update body; a field left out of an update
// keeps its value.
type webhookInput struct {
	Name          *string `json:"name"`
	URL           *string `json:"url"`
	Payload       *string `json:"payload"`
	CustomHeaders *string `json:"custom_headers"`
	EncodeAs      *string `json:"encode_as"`
}

func (h *Webhook) json() map[string]any {
	return map[string]any{"name": h.Name, "url": h.URL, "payload": h.Payload, "custom_headers": h.CustomHeaders, "encode_as": h.EncodeAs}
}

// check returns Datadog's 400 message for a webhook it would not keep.
func (h *Webhook) check() string {
	switch {
	case h.Name == "":
		return "Invalid webhook: name is required"
	case h.URL == "" || (!strings.HasPrefix(h.URL, "https://") && !strings.HasPrefix(h.URL, "http://")):
		return "Invalid webhook: url is not a valid URL"
	case h.EncodeAs != "json" && h.EncodeAs != "form":
		return "Invalid webhook: encode_as must be json or form"
	case h.Payload != nil && !json.Valid([]byte(*h.Payload)):
		return "Invalid webhook: payload is not valid JSON"
	case h.CustomHeaders != nil && !validHeaders(*h.CustomHeaders):
		return "Invalid webhook: custom_headers is not a JSON object"
	}
	return ""
}

func validHeaders(s string) bool {
	var m map[string]string
	return json.Unmarshal([]byte(s), &m) == nil
}

func (in webhookInput) apply(h *Webhook) {
	if in.Name != nil {
		h.Name = *in.Name
	}
	if in.URL != nil {
		h.URL = *in.URL
	}
	if in.Payload != nil {
		h.Payload = in.Payload
	}
	if in.CustomHeaders != nil {
		h.CustomHeaders = in.CustomHeaders
	}
	if in.EncodeAs != nil {
		h.EncodeAs = *in.EncodeAs
	}
}

func (s *Server) writesAllowed(w http.ResponseWriter) bool {
	s.mu.Lock()
	ok := s.webhookWrites
	s.mu.Unlock()
	if !ok {
		forbidden(w)
	}
	return ok
}

// createWebhook serves POST .../webhooks: 200 with the webhook; 400 for a
// bad body or a name in use.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.writesAllowed(w) {
		return
	}
	var in webhookInput
	body, _ := readBody(r)
	if json.Unmarshal(body, &in) != nil {
		writeJSON(w, http.StatusBadRequest, errs("Invalid JSON"))
		return
	}
	h := &Webhook{EncodeAs: "json"}
	in.apply(h)
	if msg := h.check(); msg != "" {
		writeJSON(w, http.StatusBadRequest, errs(msg))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.webhooks[h.Name]; dup {
		writeJSON(w, http.StatusBadRequest, errs("Webhook '"+h.Name+"' already exists"))
		return
	}
	s.webhooks[h.Name] = h
	writeJSON(w, http.StatusOK, h.json())
}

// getWebhook serves GET .../webhooks/{name}: 404 when there is none.
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h, ok := s.webhooks[r.PathValue("name")]
	var out map[string]any
	if ok {
		out = h.json()
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, errs("Webhook not found"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// updateWebhook serves PUT .../webhooks/{name}.
func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.writesAllowed(w) {
		return
	}
	var in webhookInput
	body, _ := readBody(r)
	if json.Unmarshal(body, &in) != nil {
		writeJSON(w, http.StatusBadRequest, errs("Invalid JSON"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("name")
	h, ok := s.webhooks[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, errs("Webhook not found"))
		return
	}
	next := *h
	in.apply(&next)
	if msg := next.check(); msg != "" {
		writeJSON(w, http.StatusBadRequest, errs(msg))
		return
	}
	delete(s.webhooks, name)
	s.webhooks[next.Name] = &next
	writeJSON(w, http.StatusOK, next.json())
}

// deleteWebhook serves DELETE .../webhooks/{name}.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.writesAllowed(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("name")
	if _, ok := s.webhooks[name]; !ok {
		writeJSON(w, http.StatusNotFound, errs("Webhook not found"))
		return
	}
	delete(s.webhooks, name)
	w.WriteHeader(http.StatusOK)
}

// Webhook returns a copy of the webhook called name.
func (s *Server) Webhook(name string) (Webhook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.webhooks[name]
	if !ok {
		return Webhook{}, false
	}
	return *h, true
}

// Webhooks lists the webhooks' names, sorted.
func (s *Server) Webhooks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.webhooks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetWebhook stores h as it is, as a change made in Datadog's UI does.
func (s *Server) SetWebhook(h Webhook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks[h.Name] = &h
}

// DeleteWebhook removes the webhook called name, as a user may in Datadog.
func (s *Server) DeleteWebhook(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.webhooks, name)
}

// Delivery is what a notification's POST got back.
type Delivery struct {
	Status int
	Body   []byte
}

// DefaultPayload is the payload Datadog posts for a webhook without one.
const DefaultPayload = `{"body":"$EVENT_MSG","last_updated":"$LAST_UPDATED","event_type":"$EVENT_TYPE","title":"$EVENT_TITLE","date":"$DATE","org":{"id":"$ORG_ID","name":"$ORG_NAME"},"id":"$ID"}`

// Notify delivers a monitor notification that mentions @webhook-<name>: it
// fills the webhook's payload with vars (ID, ALERT_ID, ALERT_TRANSITION,
// EVENT_TITLE... without the $; others become ""), and posts it to the
// webhook's URL with its custom headers, as Datadog does. ok is false when
// there is no such webhook.
func (s *Server) Notify(name string, vars map[string]string) (Delivery, bool) {
	s.mu.Lock()
	h, ok := s.webhooks[name]
	var hook Webhook
	if ok {
		hook = *h
	}
	s.mu.Unlock()
	if !ok {
		return Delivery{}, false
	}
	payload := DefaultPayload
	if hook.Payload != nil {
		payload = *hook.Payload
	}
	body := []byte(fill(payload, vars))
	req, err := http.NewRequest(http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return Delivery{}, true
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Datadog-Webhook-1.0")
	if hook.CustomHeaders != nil {
		var headers map[string]string
		if json.Unmarshal([]byte(*hook.CustomHeaders), &headers) == nil {
			for k, v := range headers {
				req.Header.Set(k, v)
			}
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return Delivery{}, true
	}
	defer func() { _ = resp.Body.Close() }()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return Delivery{Status: resp.StatusCode, Body: out}, true
}

// fill replaces each $VARIABLE of a JSON payload with its value, escaped
// for a JSON string as Datadog does; longer names first, so $ALERT_ID is
// not read as $ALERT followed by _ID.
func fill(payload string, vars map[string]string) string {
	names := []string{"ID", "ALERT_ID", "ALERT_TITLE", "ALERT_TRANSITION", "ALERT_TYPE", "ALERT_STATUS", "ALERT_PRIORITY",
		"ALERT_METRIC", "ALERT_SCOPE", "ALERT_QUERY", "EVENT_TITLE", "EVENT_TYPE", "EVENT_MSG", "TAGS", "HOSTNAME", "LINK",
		"DATE", "LAST_UPDATED", "ORG_ID", "ORG_NAME", "AGGREG_KEY"}
	for k := range vars {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, n := range names {
		v, _ := json.Marshal(vars[n])
		payload = strings.ReplaceAll(payload, "$"+n, string(v[1:len(v)-1]))
	}
	return payload
}
