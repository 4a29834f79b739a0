package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The audit trail (see service.Audit). Every authenticated request that is
// not a GET is recorded by audited, around the route's handler: its answer
// is held back in a buffer, the record is written (its own transaction,
// committed) and only then is the answer sent. So every change a client saw
// acknowledged has its record; the window is a crash between the change's
// commit and the record's, which loses the record of a change whose answer
// never left (the client saw the connection drop). A record that cannot be
// written turns a success into a 503 that says the change may have been
// applied, rather than acknowledging an unrecorded change. Refused requests
// are recorded too (outcome failed or denied, with the status); requests
// that did not authenticate are not (there is nobody to name), nor are
// 503s (the database or a tool was unreachable: nothing was decided), nor
// webhook deliveries (stored as events, and a sender is not a user).
//
// A record never holds a value: identifiers and names of the object and
// canvas (resolved before the handler runs, so a deletion still names
// what it deleted, and read back from the answer's id and name, so a
// creation names what it created), the route's pattern (never the path's
// query or the body), the status, the client's address as the server sees
// it (no proxy header is trusted: the server has no trusted-proxy setting)
// and the user agent, clipped.
//
// A write that can record the request in its own transaction does so
// (armAudit, store.PendingAudit: today a secret's create, update and
// delete, and a stage's and an event source's create): change and record
// then commit together, in one commit, and the wrapper writes no record of
// its own for that answer.

// maxAuditUserAgent is the most bytes of a user agent a record keeps.
const maxAuditUserAgent = 256

// auditRecordTimeout bounds writing one record; it runs even when the
// client has gone, since the change it records may have been applied.
const auditRecordTimeout = 10 * time.Second

type auditKey struct{}

// auditEntry is a request's record in the making, and its held-back answer.
type auditEntry struct {
	status int
	body   bytes.Buffer
	route  auditRoute
	event  store.AuditEvent
	// authenticated is set once the principal is known (auditPrincipal).
	authenticated bool
	// pending is the record a write may insert in its own transaction
	// (armAudit); when one did, the wrapper writes none.
	pending *store.PendingAudit
	// canvasLater: the path's canvas was not looked up before the handler
	// (resolveAuditObject); the wrapper's own record looks it up after.
	canvasLater bool
}

// auditWriter holds back a handler's answer until the record is written.
type auditWriter struct {
	http.ResponseWriter
	entry *auditEntry
	wrote bool
}

func (w *auditWriter) WriteHeader(status int) {
	if !w.wrote {
		w.entry.status, w.wrote = status, true
	}
}

func (w *auditWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.entry.body.Write(b)
}

// send writes the held-back answer.
func (e *auditEntry) send(w http.ResponseWriter) {
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body.Bytes())
}

// audited wraps an authenticated route's handler: a request other than a
// GET is recorded before its answer is sent. The handler must call
// auditPrincipal once it knows who is calling.
func (s *Server) audited(pattern string, h http.HandlerFunc) http.HandlerFunc {
	return s.auditedAs(deriveAuditRoute(pattern), h)
}

// auditedAs is audited with the route's record spelled out (the console's
// forms record what the API route doing the same would).
func (s *Server) auditedAs(route auditRoute, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// GET routes answer HEAD too: neither changes anything.
		if r.Method == http.MethodGet || r.Method == http.MethodHead || s.audit == nil {
			h(w, r)
			return
		}
		e := &auditEntry{status: http.StatusOK, route: route, pending: &store.PendingAudit{Now: s.audit.Now}}
		r = r.WithContext(store.WithPendingAudit(context.WithValue(r.Context(), auditKey{}, e), e.pending))
		h(&auditWriter{ResponseWriter: w, entry: e}, r)
		if e.pending.Written() && e.status == e.pending.Event.Status {
			// The change's transaction committed its record: the
			// answer may go.
			e.send(w)
			return
		}
		// A panic in h leaves this undone: ServeHTTP answers 500 and
		// logs it, and no record is written.
		// A 503 decided nothing (the database or a tool could not be
		// reached): a record would be one more write to a database that
		// is likely down.
		if !e.authenticated || e.status == http.StatusServiceUnavailable {
			e.send(w)
			return
		}
		ev := e.event
		ev.Status = e.status
		ev.Outcome = auditOutcome(e.status)
		if ev.Outcome == store.AuditSucceeded {
			e.readAnswer(&ev)
		}
		if ev.Outcome == store.AuditSucceeded || e.canvasLater {
			s.nameAuditCanvas(r.Context(), &ev)
		}
		s.recordAudit(w, r, e, func(ctx context.Context) error { return s.audit.Record(ctx, ev) })
	}
}

// recordAudit writes the record and then the answer, or a 503 in place of
// a success whose record could not be written.
func (s *Server) recordAudit(w http.ResponseWriter, r *http.Request, e *auditEntry, record func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditRecordTimeout)
	defer cancel()
	if err := record(ctx); err != nil {
		s.log.ErrorContext(r.Context(), "audit record not written", slog.String("request_id", requestID(r.Context())),
			slog.String("route", r.Pattern), slog.Int("status", e.status), slog.String("error", err.Error()))
		if e.status < http.StatusBadRequest {
			writeJSON(w, http.StatusServiceUnavailable, api.Error{Code: api.CodeUnavailable,
				Message: "the change may have been applied, but its audit record could not be written: read the object back before retrying",
				Details: []any{}})
			return
		}
	}
	e.send(w)
}

// auditPrincipal starts the request's record with who is calling and what
// the request is about, before the handler changes anything (a deletion
// must be named while the object still exists).
func (s *Server) auditPrincipal(w http.ResponseWriter, r *http.Request, p store.Principal) {
	e, ok := r.Context().Value(auditKey{}).(*auditEntry)
	if !ok {
		return
	}
	// The request line's user is set on the writer under the audit's.
	if aw, ok := w.(*auditWriter); ok {
		if lw, ok := aw.ResponseWriter.(*logWriter); ok {
			lw.userID = p.User.ID
		}
	}
	e.authenticated = true
	e.event = store.AuditEvent{
		OrgID: p.Organization.ID, ActorType: store.AuditActorUser, ActorID: p.User.ID, ActorEmail: p.User.Email,
		TokenID: p.Token.ID, Action: e.route.action, ObjectType: e.route.objectType,
	}
	auditRequest(&e.event, r)
	s.resolveAuditObject(r, p, e)
}

// auditRequest fills the request's method, route, origin and id.
func auditRequest(ev *store.AuditEvent, r *http.Request) {
	ev.Method, ev.Route, ev.RequestID = r.Method, r.Pattern, requestID(r.Context())
	ev.ClientIP = r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ev.ClientIP = host
	}
	ev.UserAgent = clipUTF8(r.UserAgent(), maxAuditUserAgent)
}

// resolveAuditObject names the canvas and the object of the request by id
// and name. What does not resolve (no such object: the request will fail)
// keeps the path's value, as an id when it is one and as a name otherwise.
func (s *Server) resolveAuditObject(r *http.Request, p store.Principal, e *auditEntry) {
	ctx, org, ev := r.Context(), p.Organization.ID, &e.event
	if e.route.tokenSelf {
		ev.ObjectID = p.Token.ID
		return
	}
	canvas := ""
	if e.route.canvasParam != "" {
		canvas = r.PathValue(e.route.canvasParam)
	} else if qt, qid := queryDomain(r); qt == api.DomainTypeCanvas {
		// A canvas's secret or integration: the canvas is the domain.
		canvas = qid
	} else {
		// A canvas's role or group: the domain may be in the body.
		canvas = roleAuditCanvas(r)
	}
	if canvas != "" {
		setIDOrName(&ev.CanvasID, &ev.CanvasName, canvas)
		if e.route.canvasParam != "" && e.route.objectParam == "" && e.route.objectType != "user" {
			// A create (or a collection's action) in the path's canvas:
			// nothing is to be named before the handler runs, and the
			// write that records in its own transaction reads the
			// canvas's name there (store.PendingAudit). A lookup now
			// would repeat the handler's own; the wrapper's record looks
			// it up after (nameAuditCanvas): one statement less a
			// create of a stage or source (BENCHMARKS.md, issue 17
			// round thirteen).
			e.canvasLater = true
		} else if c, err := s.store.FindCanvas(ctx, org, canvas); err == nil {
			ev.CanvasID, ev.CanvasName = c.ID, c.Name
		}
	}
	key := r.PathValue(e.route.objectParam)
	if e.route.objectType == "user" && e.route.objectParam == "" {
		// Membership and assignment: the object is the body's user.
		s.roleAuditUser(ctx, r, p, ev)
		return
	}
	if e.route.objectParam == "" || key == "" {
		return
	}
	setIDOrName(&ev.ObjectID, &ev.ObjectName, key)
	id, name := s.findAuditObject(ctx, r, p, ev.ObjectType, ev.CanvasID, key)
	if id != "" {
		ev.ObjectID, ev.ObjectName = id, name
	}
	if ev.ObjectType == "canvas" {
		ev.CanvasID, ev.CanvasName = ev.ObjectID, ev.ObjectName
	}
}

// findAuditObject looks up the objects addressed by id or name; other
// objects (stage events, executions, alerts) are addressed by id.
func (s *Server) findAuditObject(ctx context.Context, r *http.Request, p store.Principal, objectType, canvasID, key string) (id, name string) {
	org := p.Organization.ID
	switch objectType {
	case "canvas":
		if c, err := s.store.FindCanvas(ctx, org, key); err == nil {
			return c.ID, c.Name
		}
	case "secret":
		qt, qid := queryDomain(r)
		if sec, err := s.secrets.Find(ctx, p, qt, qid, key); err == nil {
			return sec.ID, sec.Name
		}
	case "integration":
		qt, qid := queryDomain(r)
		if in, err := s.integrations.Find(ctx, p, qt, qid, key); err == nil {
			return in.ID, in.Name
		}
	case "event_source":
		if src, err := s.store.FindEventSource(ctx, org, canvasID, key); err == nil {
			return src.ID, src.Name
		}
	case "stage":
		if st, err := s.store.FindStage(ctx, org, canvasID, key); err == nil {
			return st.ID, st.Name
		}
	case "connection_group":
		if g, err := s.store.FindConnectionGroup(ctx, org, canvasID, key); err == nil {
			return g.ID, g.Name
		}
	case "role", "group", "user":
		return s.findRoleAuditObject(ctx, p, objectType, canvasID, key)
	case "service_account":
		if a, err := s.store.FindServiceAccount(ctx, org, key); err == nil {
			return a.ID, a.Name
		}
	case "auth_provider":
		if ap, err := s.store.FindAuthProvider(ctx, org, key); err == nil {
			return ap.ID, ap.Name
		}
	case "token":
		// A service account's token: revoking it names the token.
		if a, err := s.store.FindServiceAccount(ctx, org, r.PathValue("idOrName")); err == nil {
			if t, err := s.store.FindServiceAccountToken(ctx, org, a.ID, key); err == nil {
				return t.ID, t.Name
			}
		}
	}
	return "", ""
}

func setIDOrName(id, name *string, key string) {
	if api.IsCanonicalID(key) {
		*id = key
	} else {
		*name = key
	}
}

// nameAuditCanvas completes the record's canvas: its name when only the id
// is known, its id when only the name is (a canvas that does not resolve
// keeps what the request said).
func (s *Server) nameAuditCanvas(ctx context.Context, ev *store.AuditEvent) {
	key := ev.CanvasID
	switch {
	case ev.CanvasID != "" && ev.CanvasName == "":
	case ev.CanvasID == "" && ev.CanvasName != "":
		key = ev.CanvasName
	default:
		return
	}
	if c, err := s.store.FindCanvas(ctx, ev.OrgID, key); err == nil {
		ev.CanvasID, ev.CanvasName = c.ID, c.Name
	}
}

// readAnswer takes the object's id and name from a successful answer
// ({"<kind>": {"metadata": {"id", "name"}}} or {"<kind>": {"id", "name"}}),
// so a creation names what it created and a rename the new name. Only those
// two fields are read; nothing else of the answer reaches the record.
func (e *auditEntry) readAnswer(ev *store.AuditEvent) {
	if e.route.tokenSelf {
		return
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(e.body.Bytes(), &top) != nil || len(top) == 0 {
		return
	}
	for _, raw := range top {
		var obj struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Metadata *struct {
				ID         string `json:"id"`
				Name       string `json:"name"`
				DomainType string `json:"domainType"`
				DomainID   string `json:"domainId"`
			} `json:"metadata"`
		}
		if json.Unmarshal(raw, &obj) != nil {
			continue
		}
		if obj.Metadata != nil {
			obj.ID, obj.Name = obj.Metadata.ID, obj.Metadata.Name
			if m := obj.Metadata; m.DomainType == api.DomainTypeCanvas && ev.CanvasID == "" {
				ev.CanvasID = m.DomainID
			}
		}
		if obj.ID == "" {
			continue
		}
		ev.ObjectID = obj.ID
		if obj.Name != "" {
			ev.ObjectName = obj.Name
		}
		if ev.ObjectType == "canvas" {
			ev.CanvasID, ev.CanvasName = ev.ObjectID, ev.ObjectName
		}
		return
	}
}

func auditOutcome(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return store.AuditDenied
	case status >= http.StatusBadRequest:
		return store.AuditFailed
	}
	return store.AuditSucceeded
}

// clipUTF8 cuts s to at most n bytes without splitting a character.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "")
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// auditedPush records outputs a CI run pushed (POST /api/v1/outputs): the
// actor is the execution, whose credential the handler checked. Only a
// successful push is recorded: before the credential is checked there is
// nobody to name.
func (s *Server) auditedPush(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.audit == nil {
			h(w, r)
			return
		}
		e := &auditEntry{status: http.StatusOK}
		h(&auditWriter{ResponseWriter: w, entry: e}, r)
		var out api.PushOutputsResponse
		if e.status >= http.StatusBadRequest || json.Unmarshal(e.body.Bytes(), &out) != nil || out.ExecutionID == "" {
			e.send(w)
			return
		}
		ev := store.AuditEvent{Action: "push_outputs", Status: e.status, Outcome: store.AuditSucceeded}
		auditRequest(&ev, r)
		s.recordAudit(w, r, e, func(ctx context.Context) error { return s.audit.RecordPush(ctx, out.ExecutionID, ev) })
	}
}

// listAuditEvents serves GET /api/v1/audit-events: the organization's
// audit trail newest first, a page at a time (?limit=, ?before=,
// ?beforeId=), narrowed by ?actor=, ?objectType=, ?object=, ?canvas=,
// ?action=, ?outcome=, ?since= and ?until=. Owners and admins only.
func (s *Server) listAuditEvents(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	q := r.URL.Query()
	events, more, err := s.audit.List(r.Context(), p, service.AuditQuery{
		Actor: q.Get("actor"), ObjectType: q.Get("objectType"), Object: q.Get("object"), Canvas: q.Get("canvas"),
		Action: q.Get("action"), Outcome: q.Get("outcome"), Since: q.Get("since"), Until: q.Get("until"),
		Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId"),
	})
	if err != nil {
		return err
	}
	out := api.ListAuditEventsResponse{AuditEvents: make([]api.AuditEvent, 0, len(events)), HasNextPage: more}
	for _, e := range events {
		out.AuditEvents = append(out.AuditEvents, auditEventToAPI(e))
	}
	if n := len(events); n > 0 {
		last := events[n-1].At
		out.LastTimestamp = &last
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func auditEventToAPI(e store.AuditEvent) api.AuditEvent {
	at := e.At
	return api.AuditEvent{
		ID: e.ID, At: &at, ActorType: e.ActorType, ActorID: e.ActorID, ActorEmail: e.ActorEmail,
		TokenID: e.TokenID, SessionID: e.SessionID, Action: e.Action, ObjectType: e.ObjectType,
		ObjectID: e.ObjectID, ObjectName: e.ObjectName, CanvasID: e.CanvasID, CanvasName: e.CanvasName,
		Method: e.Method, Route: e.Route, Status: int64(e.Status), Outcome: e.Outcome,
		ClientIP: e.ClientIP, UserAgent: e.UserAgent, RequestID: e.RequestID,
	}
}
