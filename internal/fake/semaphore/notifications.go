package semaphore

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// maxRequestBody bounds a request body the fake reads.
const maxRequestBody = 1 << 20

// Notification is a notification of the fake organization, summarized for
// assertions. Projects, Endpoint and SecretName come from its first rule
// with a webhook target ("" and nil when it has none).
type Notification struct {
	Name, ID   string
	Rules      int // how many rules the notification has
	Projects   []string
	Endpoint   string
	SecretName string
}

// notificationJSON is a v1alpha Notification as the fake stores and serves
// it.
type notificationJSON struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	} `json:"metadata"`
	Spec struct {
		Rules []ruleJSON `json:"rules"`
	} `json:"spec"`
}

// ruleJSON is one rule of a notification: which pipelines it matches and
// where it notifies.
type ruleJSON struct {
	Name   string `json:"name"`
	Filter struct {
		Projects  []string `json:"projects"`
		Branches  []string `json:"branches"`
		Pipelines []string `json:"pipelines"`
		Blocks    []string `json:"blocks"`
		States    []string `json:"states"`
		Results   []string `json:"results"`
	} `json:"filter"`
	Notify struct {
		Slack   json.RawMessage `json:"slack,omitempty"`
		Email   json.RawMessage `json:"email,omitempty"`
		Webhook *struct {
			Endpoint string `json:"endpoint"`
			Secret   string `json:"secret"`
		} `json:"webhook,omitempty"`
	} `json:"notify"`
}

// Notifications returns the organization's notifications, oldest first.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Notification, 0, len(s.notifications))
	for _, n := range s.notifications {
		sum := Notification{Name: n.Metadata.Name, ID: n.Metadata.ID, Rules: len(n.Spec.Rules)}
		for _, r := range n.Spec.Rules {
			if r.Notify.Webhook != nil {
				sum.Projects = slices.Clone(r.Filter.Projects)
				sum.Endpoint, sum.SecretName = r.Notify.Webhook.Endpoint, r.Notify.Webhook.Secret
				break
			}
		}
		out = append(out, sum)
	}
	return out
}

// RemoveNotification deletes the notification called name behind the API's
// back, as a user would in Semaphore's UI, and reports whether there was
// one.
func (s *Server) RemoveNotification(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findNotification(name)
	if i < 0 {
		return false
	}
	s.notifications = slices.Delete(s.notifications, i, i+1)
	return true
}

// findNotification returns the index of the notification whose id or name
// is ref, or -1. The caller holds s.mu.
func (s *Server) findNotification(ref string) int {
	return slices.IndexFunc(s.notifications, func(n *notificationJSON) bool {
		return n.Metadata.ID == ref || n.Metadata.Name == ref
	})
}

// listNotifications serves GET /api/v1alpha/notifications, in one page.
func (s *Server) listNotifications(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	list := make([]notificationJSON, 0, len(s.notifications))
	for _, n := range s.notifications {
		list = append(list, *n)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"notifications": list, "next_page_token": ""})
}

// getNotification serves GET /api/v1alpha/notifications/{id_or_name}.
func (s *Server) getNotification(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findNotification(r.PathValue("ref"))
	if i < 0 {
		writeMessage(w, http.StatusNotFound, "notification not found")
		return
	}
	writeJSON(w, http.StatusOK, s.notifications[i])
}

// createNotification serves POST /api/v1alpha/notifications. A name already
// taken is 409.
func (s *Server) createNotification(w http.ResponseWriter, r *http.Request) {
	var n notificationJSON
	if !decode(w, r, &n) || !validNotification(w, &n) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findNotification(n.Metadata.Name) >= 0 {
		writeMessage(w, http.StatusConflict, fmt.Sprintf("notification %q already exists", n.Metadata.Name))
		return
	}
	n.Metadata.ID = newID()
	s.notifications = append(s.notifications, &n)
	writeJSON(w, http.StatusOK, &n)
}

// updateNotification serves PATCH /api/v1alpha/notifications/{id_or_name}:
// the body replaces the notification's rules, and its name when it gives
// one.
func (s *Server) updateNotification(w http.ResponseWriter, r *http.Request) {
	var n notificationJSON
	if !decode(w, r, &n) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findNotification(r.PathValue("ref"))
	if i < 0 {
		writeMessage(w, http.StatusNotFound, "notification not found")
		return
	}
	old := s.notifications[i]
	if n.Metadata.Name == "" {
		n.Metadata.Name = old.Metadata.Name
	}
	if !validNotification(w, &n) {
		return
	}
	if j := s.findNotification(n.Metadata.Name); j >= 0 && j != i {
		writeMessage(w, http.StatusConflict, fmt.Sprintf("notification %q already exists", n.Metadata.Name))
		return
	}
	n.Metadata.ID = old.Metadata.ID
	s.notifications[i] = &n
	writeJSON(w, http.StatusOK, &n)
}

// deleteNotification serves DELETE /api/v1alpha/notifications/{id_or_name}.
func (s *Server) deleteNotification(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findNotification(r.PathValue("ref"))
	if i < 0 {
		writeMessage(w, http.StatusNotFound, "notification not found")
		return
	}
	s.notifications = slices.Delete(s.notifications, i, i+1)
	writeJSON(w, http.StatusOK, map[string]any{})
}

// validNotification checks n as Semaphore does before saving it (a name, at
// least one rule, an endpoint on every webhook) and fills in what it
// serves: kind, version, and [] for absent filters. It answers 422 and
// returns false when n is invalid.
func validNotification(w http.ResponseWriter, n *notificationJSON) bool {
	if n.Metadata.Name == "" {
		writeMessage(w, http.StatusUnprocessableEntity, "metadata.name must be set")
		return false
	}
	if len(n.Spec.Rules) == 0 {
		writeMessage(w, http.StatusUnprocessableEntity, "spec.rules must not be empty")
		return false
	}
	for i := range n.Spec.Rules {
		r := &n.Spec.Rules[i]
		if r.Notify.Webhook != nil && r.Notify.Webhook.Endpoint == "" {
			writeMessage(w, http.StatusUnprocessableEntity, fmt.Sprintf("rule %q: webhook endpoint must be set", r.Name))
			return false
		}
		for _, f := range []*[]string{&r.Filter.Projects, &r.Filter.Branches, &r.Filter.Pipelines, &r.Filter.Blocks, &r.Filter.States, &r.Filter.Results} {
			if *f == nil {
				*f = []string{}
			}
		}
	}
	n.APIVersion, n.Kind = "v1alpha", "Notification"
	return true
}

// decode reads r's JSON body into v, answering 400 and returning false when
// it is not JSON of v's shape.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(v); err != nil {
		writeMessage(w, http.StatusBadRequest, "invalid request body: "+err.Error())
		return false
	}
	return true
}

// writeMessage answers with Semaphore's error shape, {"message": "..."}.
func writeMessage(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message})
}
