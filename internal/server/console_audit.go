package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The console's audit trail page, and the audit records of the console's
// own forms: an approval made in the console is a change like one made
// through the API, recorded the same way (before the answer is sent), with
// the session it came through.

// consoleAuditRoute is what a console form's records say it does: the
// action and object type the API route doing the same records (approve a
// stage_event, cancel an execution, create an event, acknowledge an
// alert), the canvas named by the form's {canvas}.
func consoleAuditRoute(pattern string) auditRoute {
	if rt, ok := consoleSessionPosts[pattern]; ok {
		return rt
	}
	rt := deriveAuditRoute(pattern)
	if strings.Contains(pattern, "{canvas}") && rt.objectType != "canvas" {
		rt.canvasParam = "canvas"
	}
	return rt
}

// consoleAuditPrincipal starts the form's record with who posted it and
// through which session (its id, never the cookie's value).
func (s *Server) consoleAuditPrincipal(w http.ResponseWriter, r *http.Request, c *consoleCtx) {
	s.auditPrincipal(w, r, c.p)
	if e, ok := r.Context().Value(auditKey{}).(*auditEntry); ok {
		e.event.SessionID = c.sessionID
	}
}

// consoleAuditCreated names the object a console form created in its
// record: the API's record reads it from the answer, which here is a
// redirect.
func consoleAuditCreated(r *http.Request, id string) {
	if e, ok := r.Context().Value(auditKey{}).(*auditEntry); ok {
		e.event.ObjectID = id
	}
}

// auditFilterView is the audit page's filter form as the user typed it.
type auditFilterView struct {
	Actor, ObjectType, Action, Canvas, Outcome, Since, Until string
	// Active says some filter is set (the page offers to clear them).
	Active bool
}

// auditRow is a record as the page lists it.
type auditRow struct {
	api.AuditEvent
	// Via says how the change came: the console (a session) or the API (a
	// token), as the record's ids tell.
	Via string
}

type auditData struct {
	Filter      auditFilterView
	Events      []auditRow
	Pages       *pager
	ObjectTypes []string
	Actions     []string
	Outcomes    []string
}

// consoleAuditObjectTypes and consoleAuditActions are the suggestions of
// the filter form (the field takes any value, as the API does).
var (
	consoleAuditObjectTypes = []string{"canvas", "secret", "integration", "event_source", "event", "stage", "stage_event",
		"execution", "alert", "connection_group", "service_account", "token"}
	consoleAuditActions = []string{"create", "update", "delete", "approve", "discard", "cancel", "acknowledge",
		"verify", "reset_key", "refresh", "regenerate", "push_outputs"}
)

// consoleAudit lists the organization's audit trail, newest first, a page
// at a time, narrowed by the filter form. Owners and admins only, as the
// API: the service refuses anyone else (403), and the navigation shows
// them no link.
func (s *Server) consoleAudit(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	q := r.URL.Query()
	f := auditFilterView{
		Actor: strings.TrimSpace(q.Get("actor")), ObjectType: strings.TrimSpace(q.Get("objectType")),
		Action: strings.TrimSpace(q.Get("action")), Canvas: strings.TrimSpace(q.Get("canvas")),
		Outcome: q.Get("outcome"), Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")),
	}
	f.Active = f.Actor != "" || f.ObjectType != "" || f.Action != "" || f.Canvas != "" || f.Outcome != "" || f.Since != "" || f.Until != ""
	since, err := consoleTime("since", f.Since)
	if err != nil {
		return err
	}
	until, err := consoleTime("until", f.Until)
	if err != nil {
		return err
	}
	pages := newPager(r, "audit")
	pq := pages.page()
	events, more, err := s.audit.List(r.Context(), c.p, service.AuditQuery{
		Actor: f.Actor, ObjectType: f.ObjectType, Action: f.Action, Canvas: f.Canvas, Outcome: f.Outcome,
		Since: since, Until: until, Limit: pq.Limit, Before: pq.Before, BeforeID: pq.BeforeID,
	})
	if err != nil {
		return err
	}
	data := auditData{Filter: f, Pages: pages, ObjectTypes: consoleAuditObjectTypes, Actions: consoleAuditActions,
		Outcomes: []string{store.AuditSucceeded, store.AuditFailed, store.AuditDenied}}
	for _, e := range events {
		row := auditRow{AuditEvent: auditEventToAPI(e), Via: "API token"}
		switch {
		case e.SessionID != "":
			row.Via = "console"
		case e.ActorType == store.AuditActorExecution:
			row.Via = "CI run"
		}
		data.Events = append(data.Events, row)
	}
	if n := len(events); n > 0 {
		pages.done(n, more, events[n-1].At, events[n-1].ID)
	} else {
		pages.done(0, false, time.Time{}, "")
	}
	s.render(w, r, http.StatusOK, "audit", c.page("Audit trail", "audit", data))
	return nil
}

// consoleTime reads a time of the filter form: what a datetime-local field
// sends (2026-12-06T11:30, taken as UTC, as the page shows times) or an
// RFC 3339 time. It answers the API's spelling.
func consoleTime(field, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return v, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC().Format(time.RFC3339), nil
		}
	}
	return "", invalid("%s: give a time as 2026-12-06T11:30 (UTC) or in RFC 3339", field)
}

// consoleCancel asks for an execution's cancellation: a pending one
// finishes at once, a running one is stopped by the server running it (the
// page then shows it cancelled).
func (s *Server) consoleCancel(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	if _, err := s.stages.Cancel(r.Context(), c.p, r.PathValue("canvas"), r.PathValue("stage"), r.PathValue("execution")); err != nil {
		return err
	}
	s.engine.Wake()
	s.consoleDone(w, r, stagePath(r), "cancelled")
	return nil
}

// auditQueryLink is the audit page narrowed to one value, for the links in
// its rows.
func auditQueryLink(field, value string) string {
	return "/audit?" + url.Values{field: {value}}.Encode()
}
