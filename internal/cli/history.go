package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// Looking an event, execution, alert or rejection up by id pages through
// the newest ones: the API lists them but has no call for one. scanPages
// pages of scanPage bound the search.
const (
	scanPage  = 100
	scanPages = 20
)

func eventsCommand() *command {
	return &command{
		name:    "events",
		summary: "list a canvas's events, or a stage's queue (--stage)",
		help: `Lists the events a canvas received, newest first (--source narrows to one source).
With --stage it lists the stage's queue instead: its stage events, waiting ones with
the reason (an approval, a time window) and the approvals they have; take an id from
there for "superplane approve" or "superplane discard". Same as "superplane get events".

Examples:
  superplane events --canvas production --source release
  superplane events --canvas production --stage deploy --state waiting`,
		flags: []string{"canvas", "stage", "source", "state", "limit", "output"},
		run: func(ctx context.Context, s *session, args []string) error {
			if len(args) > 0 {
				return usagef("events", "takes no arguments (describe one with \"superplane describe event ID\")")
			}
			return runGet(ctx, s, []string{"events"})
		},
	}
}

func executionsCommand() *command {
	return &command{
		name:    "executions",
		summary: "list a stage's executions",
		help: `Lists a stage's executions, newest first: state, result, when it started, how long it
took and its result message. Same as "superplane get executions".

Example:
  superplane executions --canvas production --stage deploy --limit 5`,
		flags: []string{"canvas", "stage", "limit", "output"},
		run: func(ctx context.Context, s *session, args []string) error {
			if len(args) > 0 {
				return usagef("executions", "takes no arguments (describe one with \"superplane describe execution ID\")")
			}
			return runGet(ctx, s, []string{"executions"})
		},
	}
}

// states turns --state into the API's state names: "waiting" and
// "STATE_WAITING" alike; none when --state is empty.
func (s *session) states(allowed ...string) ([]string, error) {
	v := strings.TrimSpace(s.opts.state)
	if v == "" {
		return nil, nil
	}
	full := strings.ToUpper(v)
	if !strings.HasPrefix(full, "STATE_") {
		full = "STATE_" + full
	}
	for _, a := range allowed {
		if a == full {
			return []string{full}, nil
		}
	}
	var names []string
	for _, a := range allowed {
		names = append(names, short(a))
	}
	return nil, usagef(s.cmd.name, "--state must be one of %s", strings.Join(names, ", "))
}

func listEvents(ctx context.Context, s *session, q query) error {
	if q.stage != "" {
		return listStageEvents(ctx, s, q)
	}
	states, err := s.states(api.EventStatePending, api.EventStateProcessed, api.EventStateRejected)
	if err != nil {
		return err
	}
	out, err := s.c.ListEvents(ctx, q.canvas, client.EventQuery{SourceID: s.opts.source, Limit: s.opts.limit, States: states})
	if err != nil {
		t := target{kind: "event", canvas: q.canvas}
		if s.opts.source != "" {
			t = target{kind: "event-source", name: s.opts.source, canvas: q.canvas}
		}
		return s.explain(ctx, err, t)
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, out)
	}
	t := newTable(s.io.Stdout, "ID", "SOURCE", "TYPE", "STATE", "RECEIVED", "MESSAGE")
	for _, e := range out.Events {
		t.row(e.ID, e.SourceName, e.Type, short(e.State), when(e.ReceivedAt), e.StateMessage)
	}
	s.moreNote(out.HasNextPage, "events")
	return t.flush()
}

// approvals says how many approvals a stage event has, and from whom.
func approvals(ev *api.StageEvent) string {
	if len(ev.Approvals) == 0 {
		return "0"
	}
	var by []string
	for _, a := range ev.Approvals {
		by = append(by, a.ApprovedBy)
	}
	return fmt.Sprintf("%d (%s)", len(ev.Approvals), strings.Join(by, ", "))
}

// inputs writes key=value pairs on one line.
func inputs(kv []api.KeyValuePair) string {
	var out []string
	for _, p := range kv {
		out = append(out, p.Name+"="+p.Value)
	}
	return strings.Join(out, " ")
}

func listStageEvents(ctx context.Context, s *session, q query) error {
	states, err := s.states(api.StageEventStatePending, api.StageEventStateWaiting, api.StageEventStateProcessed, api.StageEventStateDiscarded)
	if err != nil {
		return err
	}
	out, err := s.c.ListStageEvents(ctx, q.canvas, q.stage, client.StageEventQuery{States: states, Limit: s.opts.limit})
	if err != nil {
		return s.explain(ctx, err, target{kind: "stage", name: q.stage, canvas: q.canvas})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, out)
	}
	t := newTable(s.io.Stdout, "ID", "STATE", "REASON", "APPROVALS", "INPUTS", "CREATED")
	for i := range out.Events {
		e := &out.Events[i]
		t.row(e.ID, short(e.State), short(e.StateReason), approvals(e), inputs(e.Inputs), when(e.CreatedAt))
	}
	s.moreNote(out.HasNextPage, "stage events")
	return t.flush()
}

// findEvent looks a canvas event up by id among the newest.
func findEvent(ctx context.Context, s *session, q query, id string) (*api.Event, error) {
	var before time.Time
	beforeID := ""
	for range scanPages {
		out, err := s.c.ListEvents(ctx, q.canvas, client.EventQuery{Limit: scanPage, Before: before, BeforeID: beforeID})
		if err != nil {
			return nil, s.explain(ctx, err, target{kind: "event", name: id, canvas: q.canvas})
		}
		for i := range out.Events {
			if out.Events[i].ID == id {
				return &out.Events[i], nil
			}
		}
		if !out.HasNextPage || len(out.Events) == 0 || out.LastTimestamp == nil {
			break
		}
		before, beforeID = *out.LastTimestamp, out.Events[len(out.Events)-1].ID
	}
	return nil, s.notFound(ctx, target{kind: "event", name: id, canvas: q.canvas})
}

// findStageEvent looks a stage event up by id among the newest of its
// stage's queue and history.
func findStageEvent(ctx context.Context, s *session, q query, id string) (*api.StageEvent, error) {
	var before time.Time
	beforeID := ""
	for range scanPages {
		out, err := s.c.ListStageEvents(ctx, q.canvas, q.stage, client.StageEventQuery{Limit: scanPage, Before: before, BeforeID: beforeID})
		if err != nil {
			return nil, s.explain(ctx, err, target{kind: "stage event", name: id, canvas: q.canvas, stage: q.stage})
		}
		for i := range out.Events {
			if out.Events[i].ID == id {
				return &out.Events[i], nil
			}
		}
		if !out.HasNextPage || len(out.Events) == 0 || out.LastTimestamp == nil {
			break
		}
		before, beforeID = *out.LastTimestamp, out.Events[len(out.Events)-1].ID
	}
	return nil, s.notFound(ctx, target{kind: "stage event", name: id, canvas: q.canvas, stage: q.stage})
}

func oneEvent(ctx context.Context, s *session, q query, id string) error {
	if q.stage != "" {
		ev, err := findStageEvent(ctx, s, q, id)
		if err != nil {
			return err
		}
		if s.opts.json() {
			return printJSON(s.io.Stdout, ev)
		}
		t := newTable(s.io.Stdout, "ID", "STATE", "REASON", "APPROVALS", "INPUTS", "CREATED")
		t.row(ev.ID, short(ev.State), short(ev.StateReason), approvals(ev), inputs(ev.Inputs), when(ev.CreatedAt))
		return t.flush()
	}
	e, err := findEvent(ctx, s, q, id)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, e)
	}
	t := newTable(s.io.Stdout, "ID", "SOURCE", "TYPE", "STATE", "RECEIVED", "MESSAGE")
	t.row(e.ID, e.SourceName, e.Type, short(e.State), when(e.ReceivedAt), e.StateMessage)
	return t.flush()
}

func describeEvent(ctx context.Context, s *session, q query, id string) error {
	if q.stage != "" {
		ev, err := findStageEvent(ctx, s, q, id)
		if err != nil {
			return err
		}
		writeStageEvent(s, ev)
		return nil
	}
	e, err := findEvent(ctx, s, q, id)
	if err != nil {
		return err
	}
	f := newFields(s.io.Stdout)
	f.add("ID", e.ID)
	f.add("Source", e.SourceName)
	f.add("Type", e.Type)
	f.add("State", short(e.State))
	f.add("Reason", short(e.StateReason))
	f.add("Message", e.StateMessage)
	f.add("Received", when(e.ReceivedAt))
	_ = f.flush()
	writeJSONBlock(s.io.Stdout, "Data", payloadOf(e))
	if h, _ := e.HeaderMap(); len(h) > 0 {
		writeJSONBlock(s.io.Stdout, "Headers", h)
	}
	return nil
}

// payloadOf is e's payload as the CLI shows it: decoded, so its keys sorted
// as they always were (the raw bytes if they do not decode).
func payloadOf(e *api.Event) any {
	m, err := e.RawObject()
	if err != nil {
		return e.Raw
	}
	return m
}

// writeStageEvent describes a stage event.
func writeStageEvent(s *session, ev *api.StageEvent) {
	f := newFields(s.io.Stdout)
	f.add("ID", ev.ID)
	f.add("State", short(ev.State))
	f.add("Reason", short(ev.StateReason))
	f.add("Created", when(ev.CreatedAt))
	f.add("Approvals", approvals(ev))
	f.add("Inputs", inputs(ev.Inputs))
	if ev.DiscardedBy != "" {
		f.add("Discarded", when(ev.DiscardedAt)+" by "+ev.DiscardedBy)
	}
	if te := ev.TriggerEvent; te != nil {
		f.add("Trigger event", te.ID+" ("+te.SourceName+", "+te.Type+")")
	}
	_ = f.flush()
}

func executionRow(t *table, ex *api.Execution) {
	t.row(ex.ID, short(ex.State), short(ex.Result), when(ex.StartedAt), took(ex.StartedAt, ex.FinishedAt), ex.ResultMessage)
}

func listExecutions(ctx context.Context, s *session, q query) error {
	out, err := s.c.ListExecutions(ctx, q.canvas, q.stage, client.ExecutionQuery{Limit: s.opts.limit})
	if err != nil {
		return s.explain(ctx, err, target{kind: "stage", name: q.stage, canvas: q.canvas})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, out)
	}
	t := newTable(s.io.Stdout, "ID", "STATE", "RESULT", "STARTED", "DURATION", "MESSAGE")
	for i := range out.Executions {
		executionRow(t, &out.Executions[i])
	}
	s.moreNote(out.HasNextPage, "executions")
	return t.flush()
}

// findExecution looks an execution up by id among the newest of the stage,
// or of every stage of the canvas when no stage is given, and returns it
// with the stage's name.
func findExecution(ctx context.Context, s *session, q query, id string) (*api.Execution, string, error) {
	stages := []string{q.stage}
	if q.stage == "" {
		list, err := s.c.ListStages(ctx, q.canvas)
		if err != nil {
			return nil, "", s.explain(ctx, err, target{kind: "execution", name: id, canvas: q.canvas})
		}
		stages = stages[:0]
		for _, st := range list {
			if st.Metadata != nil {
				stages = append(stages, st.Metadata.Name)
			}
		}
	}
	for _, stage := range stages {
		var before time.Time
		beforeID := ""
		for range scanPages {
			out, err := s.c.ListExecutions(ctx, q.canvas, stage, client.ExecutionQuery{Limit: scanPage, Before: before, BeforeID: beforeID})
			if err != nil {
				return nil, "", s.explain(ctx, err, target{kind: "execution", name: id, canvas: q.canvas, stage: stage})
			}
			for i := range out.Executions {
				if out.Executions[i].ID == id {
					return &out.Executions[i], stage, nil
				}
			}
			if !out.HasNextPage || len(out.Executions) == 0 || out.LastTimestamp == nil {
				break
			}
			before, beforeID = *out.LastTimestamp, out.Executions[len(out.Executions)-1].ID
		}
	}
	return nil, "", s.notFound(ctx, target{kind: "execution", name: id, canvas: q.canvas, stage: q.stage})
}

func oneExecution(ctx context.Context, s *session, q query, id string) error {
	ex, _, err := findExecution(ctx, s, q, id)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ExecutionResponse{Execution: ex})
	}
	t := newTable(s.io.Stdout, "ID", "STATE", "RESULT", "STARTED", "DURATION", "MESSAGE")
	executionRow(t, ex)
	return t.flush()
}

func describeExecution(ctx context.Context, s *session, q query, id string) error {
	ex, stage, err := findExecution(ctx, s, q, id)
	if err != nil {
		return err
	}
	writeExecution(s, ex, stage)
	return nil
}

// writeExecution describes an execution: what ran, for which event, what
// it started on the tool and how it ended.
func writeExecution(s *session, ex *api.Execution, stage string) {
	f := newFields(s.io.Stdout)
	f.add("ID", ex.ID)
	f.add("Stage", stage)
	f.add("State", short(ex.State))
	f.add("Result", short(ex.Result))
	f.add("Reason", short(ex.ResultReason))
	f.add("Message", ex.ResultMessage)
	f.add("Created", when(ex.CreatedAt))
	f.add("Started", when(ex.StartedAt))
	f.add("Finished", when(ex.FinishedAt))
	if ex.CancelledAt != nil {
		f.add("Cancelled", when(ex.CancelledAt))
	}
	f.add("Duration", took(ex.StartedAt, ex.FinishedAt))
	if ev := ex.StageEvent; ev != nil {
		f.add("Stage event", ev.ID)
		f.add("Inputs", inputs(ev.Inputs))
		if te := ev.TriggerEvent; te != nil {
			f.add("Trigger event", te.ID+" ("+te.SourceName+", "+te.Type+")")
		}
	}
	for _, r := range ex.Resources {
		f.add("Remote "+r.Type, strings.TrimSpace(r.ID+" "+short(r.State)+" "+short(r.Result)))
	}
	for _, o := range ex.Outputs {
		f.add("Output "+o.Name, o.Value)
	}
	_ = f.flush()
}

func alertRow(t *table, a *api.Alert) {
	acked := "no"
	if a.Acknowledged {
		acked = "yes"
	}
	t.row(a.ID, a.Kind, a.SourceName, strconv.FormatInt(a.Count, 10), acked, when(a.LastSeenAt), a.Message)
}

func listAlerts(ctx context.Context, s *session, q query) error {
	out, err := s.c.ListAlerts(ctx, q.canvas, client.AlertQuery{IncludeAcknowledged: s.opts.acked, Limit: s.opts.limit})
	if err != nil {
		return s.explain(ctx, err, target{kind: "alert", canvas: q.canvas})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, out)
	}
	t := newTable(s.io.Stdout, "ID", "KIND", "SOURCE", "COUNT", "ACKED", "LAST SEEN", "MESSAGE")
	for i := range out.Alerts {
		alertRow(t, &out.Alerts[i])
	}
	s.moreNote(out.HasNextPage, "alerts")
	return t.flush()
}

// findAlert looks an alert, acknowledged or not, up by id among the newest.
func findAlert(ctx context.Context, s *session, q query, id string) (*api.Alert, error) {
	var before time.Time
	beforeID := ""
	for range scanPages {
		out, err := s.c.ListAlerts(ctx, q.canvas, client.AlertQuery{IncludeAcknowledged: true, Limit: scanPage, Before: before, BeforeID: beforeID})
		if err != nil {
			return nil, s.explain(ctx, err, target{kind: "alert", name: id, canvas: q.canvas})
		}
		for i := range out.Alerts {
			if out.Alerts[i].ID == id {
				return &out.Alerts[i], nil
			}
		}
		if !out.HasNextPage || len(out.Alerts) == 0 || out.LastTimestamp == nil {
			break
		}
		before, beforeID = *out.LastTimestamp, out.Alerts[len(out.Alerts)-1].ID
	}
	return nil, s.notFound(ctx, target{kind: "alert", name: id, canvas: q.canvas})
}

func oneAlert(ctx context.Context, s *session, q query, id string) error {
	a, err := findAlert(ctx, s, q, id)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, a)
	}
	t := newTable(s.io.Stdout, "ID", "KIND", "SOURCE", "COUNT", "ACKED", "LAST SEEN", "MESSAGE")
	alertRow(t, a)
	return t.flush()
}

func describeAlert(ctx context.Context, s *session, q query, id string) error {
	a, err := findAlert(ctx, s, q, id)
	if err != nil {
		return err
	}
	f := newFields(s.io.Stdout)
	f.add("ID", a.ID)
	f.add("Type", short(a.Type))
	f.add("Kind", a.Kind)
	f.add("About", short(a.SourceType)+" "+a.SourceName)
	f.add("Message", a.Message)
	f.add("Count", strconv.FormatInt(a.Count, 10))
	f.add("Created", when(a.CreatedAt))
	f.add("Last seen", when(a.LastSeenAt))
	if a.Acknowledged {
		f.add("Acknowledged", when(a.AcknowledgedAt)+" by "+a.AcknowledgedBy)
	} else {
		f.add("Acknowledged", "no")
	}
	return f.flush()
}

// rejectionQuery narrows rejections to the --stage given.
func (s *session) rejectionQuery(limit int, before time.Time, beforeID string) client.RejectionQuery {
	rq := client.RejectionQuery{Limit: limit, Before: before, BeforeID: beforeID}
	if s.opts.stage != "" {
		rq.TargetType, rq.TargetID = api.ConnectionTypeStage, s.opts.stage
	}
	return rq
}

func rejectionRow(t *table, r *api.EventRejection) {
	t.row(r.ID, r.TargetName, short(r.Reason), r.EventID, when(r.RejectedAt), r.Message)
}

func listRejections(ctx context.Context, s *session, q query) error {
	out, err := s.c.ListRejections(ctx, q.canvas, s.rejectionQuery(s.opts.limit, time.Time{}, ""))
	if err != nil {
		return s.explain(ctx, err, target{kind: "rejection", canvas: q.canvas, stage: q.stage})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, out)
	}
	t := newTable(s.io.Stdout, "ID", "TARGET", "REASON", "EVENT", "REJECTED", "MESSAGE")
	for i := range out.Rejections {
		rejectionRow(t, &out.Rejections[i])
	}
	s.moreNote(out.HasNextPage, "rejections")
	return t.flush()
}

// findRejection looks a rejection up by id among the newest.
func findRejection(ctx context.Context, s *session, q query, id string) (*api.EventRejection, error) {
	var before time.Time
	beforeID := ""
	for range scanPages {
		out, err := s.c.ListRejections(ctx, q.canvas, s.rejectionQuery(scanPage, before, beforeID))
		if err != nil {
			return nil, s.explain(ctx, err, target{kind: "rejection", name: id, canvas: q.canvas, stage: q.stage})
		}
		for i := range out.Rejections {
			if out.Rejections[i].ID == id {
				return &out.Rejections[i], nil
			}
		}
		if !out.HasNextPage || len(out.Rejections) == 0 || out.LastTimestamp == nil {
			break
		}
		before, beforeID = *out.LastTimestamp, out.Rejections[len(out.Rejections)-1].ID
	}
	return nil, s.notFound(ctx, target{kind: "rejection", name: id, canvas: q.canvas, stage: q.stage})
}

func oneRejection(ctx context.Context, s *session, q query, id string) error {
	r, err := findRejection(ctx, s, q, id)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, r)
	}
	t := newTable(s.io.Stdout, "ID", "TARGET", "REASON", "EVENT", "REJECTED", "MESSAGE")
	rejectionRow(t, r)
	return t.flush()
}

func describeRejection(ctx context.Context, s *session, q query, id string) error {
	r, err := findRejection(ctx, s, q, id)
	if err != nil {
		return err
	}
	f := newFields(s.io.Stdout)
	f.add("ID", r.ID)
	f.add("Target", short(r.TargetType)+" "+r.TargetName)
	f.add("Reason", short(r.Reason))
	f.add("Message", r.Message)
	f.add("Rejected", when(r.RejectedAt))
	f.add("Event", r.EventID)
	_ = f.flush()
	if r.Event != nil {
		writeJSONBlock(s.io.Stdout, "Event data", payloadOf(r.Event))
	}
	return nil
}
