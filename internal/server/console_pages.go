package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The console's pages read through the services with the session's
// principal, as the API's handlers do, so a page shows exactly what the
// API would answer that principal.

func (s *Server) consoleCanvases(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	list, err := s.canvases.List(r.Context(), c.p)
	if err == nil {
		// A member sees the canvases it holds a role on, no others.
		list, err = s.authz.VisibleCanvases(r.Context(), c.p, list)
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "canvases", c.page("Canvases", "canvases", list))
	return nil
}

// eventView is an event as the console lists it: its payload as indented
// JSON text (the template escapes it).
type eventView struct {
	api.Event
	Payload string
}

// rejectionView is a rejection with the rejected event's payload.
type rejectionView struct {
	store.Rejection
	Payload string
}

type canvasData struct {
	Canvas        store.Canvas
	Graph         graph
	ManualSources []service.Source
	Events        []eventView
	EventTotal    int64
	Alerts        []api.Alert
	Rejections    []rejectionView
	// The lists' pages: ?events=, ?alerts=, ?rejections=.
	EventPages, AlertPages, RejectionPages *pager
}

func (s *Server) consoleCanvas(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	ctx, name := r.Context(), r.PathValue("canvas")
	cv, err := s.canvases.Find(ctx, c.p, name)
	if err != nil {
		return err
	}
	sources, err := s.eventSources.List(ctx, c.p, cv.ID)
	if err != nil {
		return err
	}
	groups, err := s.groups.List(ctx, c.p, cv.ID)
	if err != nil {
		return err
	}
	stages, err := s.stages.List(ctx, c.p, cv.ID)
	if err != nil {
		return err
	}
	evPages, alPages, rjPages := newPager(r, "events"), newPager(r, "alerts"), newPager(r, "rejections")
	evq, alq, rjq := evPages.page(), alPages.page(), rjPages.page()
	events, err := s.events.List(ctx, c.p, cv.ID, service.EventQuery{Limit: evq.Limit, Before: evq.Before, BeforeID: evq.BeforeID})
	if err != nil {
		return err
	}
	alerts, alertsMore, err := s.alerts.List(ctx, c.p, cv.ID, service.AlertQuery{Limit: alq.Limit, Before: alq.Before, BeforeID: alq.BeforeID})
	if err != nil {
		return err
	}
	rejections, err := s.alerts.Rejections(ctx, c.p, cv.ID, service.RejectionQuery{Limit: rjq.Limit, Before: rjq.Before, BeforeID: rjq.BeforeID})
	if err != nil {
		return err
	}
	data := canvasData{Canvas: cv, EventTotal: events.Total, EventPages: evPages, AlertPages: alPages, RejectionPages: rjPages}
	evPages.count(events.Total, events.TotalCapped)
	rjPages.count(int64(rejections.Total), false)
	if n := len(events.Events); n > 0 {
		evPages.done(n, events.More, events.Events[n-1].ReceivedAt, events.Events[n-1].ID)
	} else {
		evPages.done(0, false, time.Time{}, "")
	}
	if n := len(alerts); n > 0 {
		alPages.done(n, alertsMore, alerts[n-1].CreatedAt, alerts[n-1].ID)
	} else {
		alPages.done(0, false, time.Time{}, "")
	}
	if n := len(rejections.Rejections); n > 0 {
		last := rejections.Rejections[n-1]
		rjPages.done(n, rejections.More, last.CreatedAt, last.ID)
	} else {
		rjPages.done(0, false, time.Time{}, "")
	}
	data.Graph = s.layoutGraph(cv, sources, groups, stages)
	for _, src := range sources {
		if src.Type == api.EventSourceTypeManual {
			data.ManualSources = append(data.ManualSources, src)
		}
	}
	for _, ev := range events.Events {
		wire := s.eventToAPI(ev)
		data.Events = append(data.Events, eventView{Event: wire, Payload: prettyPayload(wire)})
	}
	for _, a := range alerts {
		data.Alerts = append(data.Alerts, alertToAPI(a))
	}
	for _, rj := range rejections.Rejections {
		v := rejectionView{Rejection: rj.Rejection}
		if rj.Event != nil {
			v.Payload = prettyPayload(s.eventToAPI(*rj.Event))
		}
		data.Rejections = append(data.Rejections, v)
	}
	page := c.page(cv.Name, "canvases", data)
	page.Notice = doneNotices[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "canvas", page)
	return nil
}

// queueItem is a queued stage event with what an approver needs to see.
type queueItem struct {
	api.StageEvent
	Payload string
}

// executionView is an execution with its trigger's inputs and its timings.
type executionView struct {
	api.Execution
	Inputs   []api.KeyValuePair
	Duration string
}

type stageData struct {
	Canvas     store.Canvas
	Stage      service.Stage
	Node       graphNode
	Queue      []queueItem
	QueueTotal int64
	Executions []executionView
	// The lists' pages: ?queue= and ?executions=.
	QueuePages, ExecutionPages *pager
}

func (s *Server) consoleStage(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	ctx := r.Context()
	cv, err := s.canvases.Find(ctx, c.p, r.PathValue("canvas"))
	if err != nil {
		return err
	}
	st, err := s.stages.Find(ctx, c.p, cv.ID, r.PathValue("stage"))
	if err != nil {
		return err
	}
	qPages, exPages := newPager(r, "queue"), newPager(r, "executions")
	queue, err := s.stages.Events(ctx, c.p, cv.ID, st.ID, []string{store.StageEventPending, store.StageEventWaiting}, qPages.page())
	if err != nil {
		return err
	}
	execs, err := s.stages.Executions(ctx, c.p, cv.ID, st.ID, exPages.page())
	if err != nil {
		return err
	}
	data := stageData{Canvas: cv, Stage: st, Node: stageNode(cv, st), QueueTotal: queue.Total, QueuePages: qPages, ExecutionPages: exPages}
	qPages.count(queue.Total, queue.TotalCapped)
	exPages.count(execs.Total, execs.TotalCapped)
	if n := len(queue.Events); n > 0 {
		qPages.done(n, queue.More, queue.Events[n-1].CreatedAt, queue.Events[n-1].ID)
	} else {
		qPages.done(0, false, time.Time{}, "")
	}
	if n := len(execs.Executions); n > 0 {
		exPages.done(n, execs.More, execs.Executions[n-1].CreatedAt, execs.Executions[n-1].ID)
	} else {
		exPages.done(0, false, time.Time{}, "")
	}
	for _, ev := range queue.Events {
		wire := s.stageEventToAPI(ev)
		item := queueItem{StageEvent: wire}
		if wire.TriggerEvent != nil {
			item.Payload = prettyPayload(*wire.TriggerEvent)
		}
		data.Queue = append(data.Queue, item)
	}
	for _, ex := range execs.Executions {
		wire := s.executionToAPI(ex.Execution, nil)
		v := executionView{Execution: wire}
		if ex.Event != nil {
			v.Inputs = s.stageEventToAPI(*ex.Event).Inputs
		}
		if !ex.StartedAt.IsZero() && !ex.FinishedAt.IsZero() {
			v.Duration = ex.FinishedAt.Sub(ex.StartedAt).Round(time.Millisecond).String()
		}
		data.Executions = append(data.Executions, v)
	}
	page := c.page(st.Name+" · "+cv.Name, "canvases", data)
	page.Notice = doneNotices[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "stage", page)
	return nil
}

// domainData is the scope a secrets or integrations page lists: the
// organization, or one canvas (?canvas=).
type domainData struct {
	Canvas string
	Items  any
}

func (s *Server) consoleDomain(r *http.Request, c *consoleCtx) (dt, did, canvas string, err error) {
	canvas = r.URL.Query().Get("canvas")
	if canvas == "" {
		return api.DomainTypeOrganization, c.p.Organization.ID, "", nil
	}
	cv, err := s.canvases.Find(r.Context(), c.p, canvas)
	if err != nil {
		return "", "", "", err
	}
	return api.DomainTypeCanvas, cv.ID, cv.Name, nil
}

func (s *Server) consoleIntegrations(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	dt, did, canvas, err := s.consoleDomain(r, c)
	if err != nil {
		return err
	}
	list, err := s.integrations.List(r.Context(), c.p, dt, did)
	if err != nil {
		return err
	}
	out := make([]api.Integration, 0, len(list))
	for _, in := range list {
		out = append(out, integrationToAPI(in))
	}
	s.render(w, r, http.StatusOK, "integrations", c.page("Integrations", "integrations", domainData{Canvas: canvas, Items: out}))
	return nil
}

// secretView is a secret as the console shows it: name, key names and
// version. It has no field for a value, so no template can show one.
type secretView struct {
	Name      string
	Keys      []string
	Version   int64
	Provider  string
	UpdatedAt time.Time
}

func (s *Server) consoleSecrets(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	dt, did, canvas, err := s.consoleDomain(r, c)
	if err != nil {
		return err
	}
	list, _, err := s.secrets.List(r.Context(), c.p, dt, did, store.PageQuery{Limit: "500"})
	if err != nil {
		return err
	}
	out := make([]secretView, 0, len(list))
	for _, sec := range list {
		out = append(out, secretView{Name: sec.Name, Keys: sec.Keys, Version: sec.Version, Provider: secretToAPI(sec).Spec.Provider, UpdatedAt: sec.UpdatedAt})
	}
	s.render(w, r, http.StatusOK, "secrets", c.page("Secrets", "secrets", domainData{Canvas: canvas, Items: out}))
	return nil
}

// consoleEmit posts a manual event from the canvas page's form: a manual
// source, an event type and a JSON object as payload.
func (s *Server) consoleEmit(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	raw := map[string]any{}
	if body := strings.TrimSpace(r.PostFormValue("payload")); body != "" {
		if err := json.Unmarshal([]byte(body), &raw); err != nil {
			return invalid("payload: must be a JSON object (%s)", jsonProblem(err))
		}
	}
	ev, err := s.events.Create(r.Context(), c.p, r.PathValue("canvas"), api.CreateEventRequest{
		SourceType: "EVENT_SOURCE_TYPE_EVENT_SOURCE", SourceID: r.PostFormValue("source"), Type: r.PostFormValue("type"), Raw: raw,
	})
	if err != nil {
		return err
	}
	consoleAuditCreated(r, ev.ID)
	s.consoleDone(w, r, "/canvases/"+url.PathEscape(r.PathValue("canvas")), "posted")
	return nil
}

func (s *Server) consoleApprove(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	if _, err := s.stages.Approve(r.Context(), c.p, r.PathValue("canvas"), r.PathValue("stage"), r.PathValue("event")); err != nil {
		return err
	}
	s.engine.Wake()
	s.consoleDone(w, r, stagePath(r), "approved")
	return nil
}

func (s *Server) consoleDiscard(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	if _, err := s.stages.Discard(r.Context(), c.p, r.PathValue("canvas"), r.PathValue("stage"), r.PathValue("event")); err != nil {
		return err
	}
	s.engine.Wake()
	s.consoleDone(w, r, stagePath(r), "discarded")
	return nil
}

func (s *Server) consoleAcknowledge(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	if _, err := s.alerts.Acknowledge(r.Context(), c.p, r.PathValue("canvas"), r.PathValue("alert")); err != nil {
		return err
	}
	s.consoleDone(w, r, "/canvases/"+url.PathEscape(r.PathValue("canvas")), "acknowledged")
	return nil
}

func stagePath(r *http.Request) string {
	return "/canvases/" + url.PathEscape(r.PathValue("canvas")) + "/stages/" + url.PathEscape(r.PathValue("stage"))
}

// doneNotices are the messages a page shows after an action: the query
// names one of them, so a link cannot put words of its own on a page.
var doneNotices = map[string]string{
	"posted":       "Event posted.",
	"approved":     "Approved.",
	"discarded":    "Discarded.",
	"acknowledged": "Alert acknowledged.",
	"cancelled":    "Cancellation requested: the execution stops shortly.",
}

// consoleDone sends the browser back to the page after an action (post,
// redirect, get: a reload does not repeat the action), saying what was done.
func (s *Server) consoleDone(w http.ResponseWriter, r *http.Request, path, done string) {
	http.Redirect(w, r, path+"?"+url.Values{"done": {done}}.Encode(), http.StatusSeeOther)
}

// prettyJSON is v as indented JSON text for a <pre>.
func prettyJSON(v any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "(not JSON)"
	}
	return string(b)
}

// prettyPayload is an event's payload as the console always showed it:
// decoded into a map, so its keys sorted, and indented.
func prettyPayload(ev api.Event) string {
	m, err := ev.RawObject()
	if err != nil {
		return "(not JSON)"
	}
	return prettyJSON(m)
}

// jsonProblem says what is wrong with a JSON text, without echoing it.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "expected an object, got " + te.Value
	}
	return "not valid JSON"
}
