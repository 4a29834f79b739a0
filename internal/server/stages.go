package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/refs"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// validateStage checks a stage spec in canvas c, self being the stage's own
// id on update ("" on create). Everything an event could trip over later is
// checked here, so a mistake is a 400 when the stage is saved and not a
// failure when an event arrives; every error names its field.
func (s *Server) validateStage(ctx context.Context, p store.Principal, c store.Canvas, self, name string, spec *api.StageSpec) error {
	if spec == nil {
		return invalid("stage.spec is required")
	}
	if len(spec.Connections) == 0 {
		return invalid("stage.spec.connections: a stage needs at least one connection")
	}
	connections := map[string]bool{}
	for i, conn := range spec.Connections {
		field := fmt.Sprintf("stage.spec.connections[%d]", i)
		if conn.Name == "" {
			return invalid("%s.name is required", field)
		}
		if err := validateRef(field+".name", conn.Name); err != nil {
			return err
		}
		if connections[conn.Name] {
			return invalid("%s.name %q is listed twice", field, conn.Name)
		}
		connections[conn.Name] = true
		switch conn.Type {
		case api.ConnectionTypeEventSource:
			if _, err := s.store.FindEventSource(ctx, p.Organization.ID, c.ID, conn.Name); err != nil {
				if isNotFound(err) {
					return invalid("%s.name: event source %q does not exist in canvas %q", field, conn.Name, c.Name)
				}
				return err
			}
		case api.ConnectionTypeStage:
			if conn.Name == name {
				return invalid("%s.name: a stage cannot listen to itself", field)
			}
			up, err := s.store.FindStage(ctx, p.Organization.ID, c.ID, conn.Name)
			if err != nil {
				if isNotFound(err) {
					return invalid("%s.name: stage %q does not exist in canvas %q", field, conn.Name, c.Name)
				}
				return err
			}
			if up.ID == self && self != "" {
				return invalid("%s.name: a stage cannot listen to itself", field)
			}
		default:
			return invalid("%s.type %q is not one of TYPE_EVENT_SOURCE, TYPE_STAGE", field, conn.Type)
		}
		if _, err := filter.CompileSet(field, conn.Filters, conn.FilterOperator); err != nil {
			return invalid("%s", err.Error())
		}
	}

	inputs := map[string]bool{}
	for i, in := range spec.Inputs {
		if !api.IdentifierPattern.MatchString(in.Name) {
			return invalid("stage.spec.inputs[%d].name %q must be a letter or '_' followed by letters, digits or '_'", i, in.Name)
		}
		if inputs[in.Name] {
			return invalid("stage.spec.inputs[%d].name %q is declared twice", i, in.Name)
		}
		inputs[in.Name] = true
	}
	if len(spec.Inputs) > 0 && len(spec.InputMappings) == 0 {
		return invalid("stage.spec.inputMappings: inputs %s have no mapping", joinNames(inputs))
	}
	whens := map[string]bool{}
	for i, m := range spec.InputMappings {
		field := fmt.Sprintf("stage.spec.inputMappings[%d]", i)
		when := ""
		if m.When != nil && m.When.TriggeredBy != nil {
			when = m.When.TriggeredBy.Connection
			if !connections[when] {
				return invalid("%s.when.triggeredBy.connection %q is not a connection of the stage", field, when)
			}
		}
		if whens[when] {
			return invalid("%s.when: another mapping already applies to the same trigger", field)
		}
		whens[when] = true
		mapped := map[string]bool{}
		for j, v := range m.Values {
			vf := fmt.Sprintf("%s.values[%d]", field, j)
			if !inputs[v.Name] {
				return invalid("%s.name %q is not a declared input", vf, v.Name)
			}
			mapped[v.Name] = true
			if v.ValueFrom == nil {
				continue
			}
			switch {
			case v.ValueFrom.EventData != nil:
				ed := v.ValueFrom.EventData
				if ed.Connection != "" && !connections[ed.Connection] {
					return invalid("%s.valueFrom.eventData.connection %q is not a connection of the stage", vf, ed.Connection)
				}
				if _, err := filter.CompileValue(ed.Expression); err != nil {
					return invalid("%s.valueFrom.eventData.expression: %v", vf, err)
				}
			case v.ValueFrom.LastExecution != nil:
				for k, r := range v.ValueFrom.LastExecution.Results {
					if !slices.Contains([]string{api.ResultPassed, api.ResultFailed, api.ResultCancelled}, r) {
						return invalid("%s.valueFrom.lastExecution.results[%d] %q is not one of RESULT_PASSED, RESULT_FAILED, RESULT_CANCELLED", vf, k, r)
					}
				}
			default:
				return invalid("%s.valueFrom needs eventData or lastExecution", vf)
			}
		}
		for in := range inputs {
			if !mapped[in] {
				return invalid("%s: input %q has no value in this mapping", field, in)
			}
		}
	}

	outputs := map[string]bool{}
	for i, o := range spec.Outputs {
		if !api.IdentifierPattern.MatchString(o.Name) {
			return invalid("stage.spec.outputs[%d].name %q must be a letter or '_' followed by letters, digits or '_'", i, o.Name)
		}
		if outputs[o.Name] {
			return invalid("stage.spec.outputs[%d].name %q is declared twice", i, o.Name)
		}
		outputs[o.Name] = true
	}

	for i, cond := range spec.Conditions {
		field := fmt.Sprintf("stage.spec.conditions[%d]", i)
		switch cond.Type {
		case api.ConditionTypeApproval:
			if cond.Approval == nil || cond.Approval.Count < 1 || cond.Approval.Count > 100 {
				return invalid("%s.approval.count must be 1-100", field)
			}
		case api.ConditionTypeTimeWindow:
			tw := cond.TimeWindow
			if tw == nil || !api.TimeOfDayPattern.MatchString(tw.Start) {
				return invalid("%s.timeWindow.start must be HH:MM", field)
			}
			if !api.TimeOfDayPattern.MatchString(tw.End) {
				return invalid("%s.timeWindow.end must be HH:MM", field)
			}
			for j, d := range tw.WeekDays {
				if !slices.Contains(api.WeekDays, d) {
					return invalid("%s.timeWindow.weekDays[%d] %q is not a week day (monday ... sunday)", field, j, d)
				}
			}
		default:
			return invalid("%s.type %q is not one of CONDITION_TYPE_APPROVAL, CONDITION_TYPE_TIME_WINDOW", field, cond.Type)
		}
	}

	aliases := map[string]bool{}
	for i, sec := range spec.Secrets {
		field := fmt.Sprintf("stage.spec.secrets[%d]", i)
		if !api.IdentifierPattern.MatchString(sec.Name) {
			return invalid("%s.name %q must be a letter or '_' followed by letters, digits or '_'", field, sec.Name)
		}
		if aliases[sec.Name] {
			return invalid("%s.name %q is declared twice", field, sec.Name)
		}
		aliases[sec.Name] = true
		if sec.ValueFrom == nil || sec.ValueFrom.Secret == nil || sec.ValueFrom.Secret.Name == "" || sec.ValueFrom.Secret.Key == "" {
			return invalid("%s.valueFrom.secret needs name and key", field)
		}
		if err := validateRef(field+".valueFrom.secret.name", sec.ValueFrom.Secret.Name); err != nil {
			return err
		}
		if _, err := refs.StageSecret(ctx, s.store, c.OrgID, c.ID, sec.ValueFrom.Secret); err != nil {
			return invalid("%s.valueFrom.secret: %v", field, err)
		}
	}

	ex := spec.Executor
	if ex == nil {
		return invalid("stage.spec.executor is required")
	}
	// An integration type with a Runner is an executor type that uses its
	// integration.
	_, usesIntegration := integrationTypes.Runner(ex.Type)
	switch {
	case ex.Type == api.ExecutorHTTP, ex.Type == api.ExecutorNoop:
	case usesIntegration:
		if ex.Integration == nil || ex.Integration.Name == "" {
			return invalid("stage.spec.executor.integration.name is required for %s executors", ex.Type)
		}
		if err := validateRef("stage.spec.executor.integration.name", ex.Integration.Name); err != nil {
			return err
		}
		in, err := s.findSourceIntegration(ctx, p, c, ex.Integration)
		if err != nil {
			return invalid("stage.spec.executor.integration: %v", err)
		}
		if in.Type != ex.Type {
			return invalid("stage.spec.executor.integration: integration %q is a %s integration, not %s", in.Name, in.Type, ex.Type)
		}
		if ex.Resource == nil || !api.RepositoryPattern.MatchString(ex.Resource.Name) {
			return invalid("stage.spec.executor.resource.name is required for %s executors: the repository or project", ex.Type)
		}
	case ex.Type == "":
		return invalid("stage.spec.executor.type is required: %s", api.JoinOr(api.ExecutorTypes()))
	default:
		return invalid("stage.spec.executor.type %q is not one of %s", ex.Type, strings.Join(api.ExecutorTypes(), ", "))
	}
	if ex.Spec == nil {
		ex.Spec = map[string]any{}
	}
	if err := executor.ValidateSpec(ex.Type, ex.Spec); err != nil {
		return invalid("stage.spec.executor.%v", err)
	}
	usedInputs, usedSecrets, err := executor.References(ex.Spec)
	if err != nil {
		return invalid("stage.spec.executor.spec: %v", err)
	}
	for _, n := range usedInputs {
		if !inputs[n] {
			return invalid("stage.spec.executor.spec: ${{ inputs.%s }} names an input the stage does not declare", n)
		}
	}
	for _, n := range usedSecrets {
		if !aliases[n] {
			return invalid("stage.spec.executor.spec: ${{ secrets.%s }} names a secret the stage does not declare in spec.secrets", n)
		}
	}
	return nil
}

func joinNames(set map[string]bool) string {
	names := []string{}
	for n := range set {
		names = append(names, strconv.Quote(n))
	}
	slices.Sort(names)
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

func (s *Server) stageToAPI(ctx context.Context, st store.Stage) api.Stage {
	created, updated := st.CreatedAt, st.UpdatedAt
	spec := &api.StageSpec{}
	_ = json.Unmarshal(st.Spec, spec)
	status := &api.StageStatus{Queue: &api.StatusQueue{Items: []api.StageEvent{}}}
	if queued, err := s.store.ListStageEvents(ctx, st.OrgID, st.CanvasID, st.ID, []string{store.StageEventPending, store.StageEventWaiting}, store.Page{Limit: 20}); err == nil {
		for _, ev := range queued {
			status.Queue.Items = append(status.Queue.Items, stageEventToAPI(ev))
		}
		status.Queue.Total = int64(len(queued))
	}
	if execs, err := s.store.ListExecutions(ctx, st.OrgID, st.CanvasID, st.ID, store.Page{Limit: 1}); err == nil && len(execs) > 0 {
		status.LastExecution = ptr(executionToAPI(execs[0], nil))
	}
	return api.Stage{
		Metadata: &api.StageMetadata{ID: st.ID, Name: st.Name, Description: st.Description, CanvasID: st.CanvasID, CreatedAt: &created, UpdatedAt: &updated, CreatedBy: st.CreatedBy},
		Spec:     spec,
		Status:   status,
	}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func stageEventToAPI(ev store.StageEvent) api.StageEvent {
	created := ev.CreatedAt
	out := api.StageEvent{
		ID: ev.ID, State: ev.State, StateReason: ev.StateReason, CreatedAt: &created, Name: ev.Connection,
		Approvals: []api.StageEventApproval{}, Inputs: []api.KeyValuePair{},
		DiscardedBy: ev.DiscardedBy, DiscardedAt: optTime(ev.DiscardedAt),
	}
	if out.StateReason == "" {
		out.StateReason = "STATE_REASON_UNKNOWN"
	}
	_ = json.Unmarshal(ev.Approvals, &out.Approvals)
	_ = json.Unmarshal(ev.Inputs, &out.Inputs)
	trigger := api.Event{
		ID: ev.TriggerEventID, SourceID: ev.TriggerSourceID, SourceName: ev.TriggerSourceName, Type: ev.TriggerType,
		SourceType: "EVENT_SOURCE_TYPE_EVENT_SOURCE", State: api.EventStateProcessed, StateReason: "STATE_REASON_OK",
		ReceivedAt: &created, Raw: map[string]any{}, Headers: map[string]any{},
	}
	if ev.TriggerSourceType == api.ConnectionTypeStage {
		trigger.SourceType = "EVENT_SOURCE_TYPE_STAGE"
	}
	_ = json.Unmarshal(ev.TriggerPayload, &trigger.Raw)
	_ = json.Unmarshal(ev.TriggerHeaders, &trigger.Headers)
	out.TriggerEvent = &trigger
	return out
}

func executionToAPI(ex store.Execution, ev *store.StageEvent) api.Execution {
	created := ex.CreatedAt
	out := api.Execution{
		ID: ex.ID, State: ex.State, Result: ex.Result, ResultReason: ex.ResultReason, ResultMessage: ex.ResultMessage,
		CreatedAt: &created, StartedAt: optTime(ex.StartedAt), FinishedAt: optTime(ex.FinishedAt), CancelledAt: optTime(ex.CancelledAt),
		Outputs: []api.OutputValue{}, Resources: []api.ExecutionResource{},
	}
	if out.Result == "" {
		out.Result = "RESULT_UNKNOWN"
	}
	if out.ResultReason == "" {
		out.ResultReason = api.ResultReasonOK
	}
	_ = json.Unmarshal(ex.Outputs, &out.Outputs)
	_ = json.Unmarshal(ex.Resources, &out.Resources)
	if ev != nil {
		out.StageEvent = ptr(stageEventToAPI(*ev))
	}
	return out
}

func (s *Server) listStages(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	list, err := s.store.ListStages(r.Context(), p.Organization.ID, c.ID)
	if err != nil {
		return err
	}
	out := api.ListStagesResponse{Stages: make([]api.Stage, 0, len(list))}
	for _, st := range list {
		out.Stages = append(out.Stages, s.stageToAPI(r.Context(), st))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) describeStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	st, err := s.store.FindStage(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageResponse{Stage: ptr(s.stageToAPI(r.Context(), st))})
	return nil
}

func (s *Server) createStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.StageRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Stage == nil || req.Stage.Metadata == nil {
		return invalid("stage.metadata.name is required")
	}
	m := req.Stage.Metadata
	if err := validateName("stage.metadata.name", m.Name); err != nil {
		return err
	}
	if len(m.Description) > maxDescriptionLen {
		return invalid("stage.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	if err := s.validateStage(r.Context(), p, c, "", m.Name, req.Stage.Spec); err != nil {
		return err
	}
	spec, err := json.Marshal(req.Stage.Spec)
	if err != nil {
		return err
	}
	now := s.timestamp()
	st := store.Stage{ID: uuid.NewString(), OrgID: p.Organization.ID, CanvasID: c.ID, Name: m.Name, Description: m.Description,
		Spec: spec, CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateStage(r.Context(), st); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageResponse{Stage: ptr(s.stageToAPI(r.Context(), st))})
	return nil
}

func (s *Server) updateStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.StageRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Stage == nil {
		return invalid("stage is required")
	}
	m := req.Stage.Metadata
	if m == nil {
		m = &api.StageMetadata{}
	}
	if m.Name != "" {
		if err := validateName("stage.metadata.name", m.Name); err != nil {
			return err
		}
	}
	if len(m.Description) > maxDescriptionLen {
		return invalid("stage.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	current, err := s.store.FindStage(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	name := current.Name
	if m.Name != "" {
		name = m.Name
	}
	if err := s.validateStage(r.Context(), p, c, current.ID, name, req.Stage.Spec); err != nil {
		return err
	}
	spec, err := json.Marshal(req.Stage.Spec)
	if err != nil {
		return err
	}
	now := s.timestamp()
	st, err := s.store.UpdateStage(r.Context(), p.Organization.ID, c.ID, current.ID, func(st *store.Stage) error {
		st.Name, st.Description, st.Spec, st.UpdatedAt = name, m.Description, spec, now
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageResponse{Stage: ptr(s.stageToAPI(r.Context(), st))})
	return nil
}

// stagesListeningTo returns the names of the canvas's stages with a
// connection of type typ to name.
func (s *Server) stagesListeningTo(ctx context.Context, orgID, canvasID, typ, name string) ([]string, error) {
	list, err := s.store.ListStages(ctx, orgID, canvasID)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, st := range list {
		var spec api.StageSpec
		_ = json.Unmarshal(st.Spec, &spec)
		for _, conn := range spec.Connections {
			if conn.Type == typ && conn.Name == name {
				users = append(users, strconv.Quote(st.Name))
				break
			}
		}
	}
	return users, nil
}

func (s *Server) deleteStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	st, err := s.store.FindStage(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	users, err := s.stagesListeningTo(r.Context(), p.Organization.ID, c.ID, api.ConnectionTypeStage, st.Name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return &httpError{code: api.CodeAlreadyExists, message: fmt.Sprintf("stage %q is a connection of stage %s; change them first", st.Name, joinList(users))}
	}
	if err := s.store.DeleteStage(r.Context(), p.Organization.ID, c.ID, st.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func joinList(items []string) string {
	out := ""
	for i, it := range items {
		if i > 0 {
			out += ", "
		}
		out += it
	}
	return out
}

func (s *Server) stageOf(r *http.Request, p store.Principal) (store.Canvas, store.Stage, error) {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return c, store.Stage{}, err
	}
	st, err := s.store.FindStage(r.Context(), p.Organization.ID, c.ID, r.PathValue("stageIdOrName"))
	return c, st, err
}

func pageFrom(r *http.Request) (store.Page, error) {
	q := r.URL.Query()
	page, err := store.ParsePage(store.PageQuery{Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId")},
		store.PageRules{DefaultLimit: store.DefaultPageLimit, MaxLimit: store.MaxPageLimit})
	if err != nil {
		return page, invalid("%s", err)
	}
	return page, nil
}

func (s *Server) listStageEvents(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, st, err := s.stageOf(r, p)
	if err != nil {
		return err
	}
	page, err := pageFrom(r)
	if err != nil {
		return err
	}
	states := r.URL.Query()["states"]
	for _, st := range states {
		if !slices.Contains([]string{store.StageEventPending, store.StageEventWaiting, store.StageEventProcessed, store.StageEventDiscarded}, st) {
			return invalid("states %q is not one of STATE_PENDING, STATE_WAITING, STATE_PROCESSED, STATE_DISCARDED", st)
		}
	}
	list, err := s.store.ListStageEvents(r.Context(), p.Organization.ID, c.ID, st.ID, states, page)
	if err != nil {
		return err
	}
	out := api.ListStageEventsResponse{Events: []api.StageEvent{}}
	for _, ev := range list {
		out.Events = append(out.Events, stageEventToAPI(ev))
	}
	out.TotalCount, out.HasNextPage = int64(len(list)), len(list) == page.Limit
	if n := len(list); n > 0 {
		out.LastTimestamp = ptr(list[n-1].CreatedAt)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// approveStageEvent records the caller's approval. Approvals are by
// distinct users: approving twice counts once.
func (s *Server) approveStageEvent(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, st, err := s.stageOf(r, p)
	if err != nil {
		return err
	}
	now := s.timestamp()
	ev, err := s.store.UpdateStageEvent(r.Context(), p.Organization.ID, c.ID, st.ID, r.PathValue("eventId"), func(ev *store.StageEvent) error {
		if ev.State != store.StageEventPending && ev.State != store.StageEventWaiting {
			return invalid("stage event %s is %s: only a queued event can be approved", ev.ID, ev.State)
		}
		var approvals []api.StageEventApproval
		_ = json.Unmarshal(ev.Approvals, &approvals)
		for _, a := range approvals {
			if a.ApprovedBy == p.User.ID {
				return nil
			}
		}
		approvals = append(approvals, api.StageEventApproval{ApprovedBy: p.User.ID, ApprovedAt: &now})
		b, err := json.Marshal(approvals)
		ev.Approvals = b
		return err
	})
	if err != nil {
		return err
	}
	s.engine.Wake()
	writeJSON(w, http.StatusOK, api.StageEventResponse{Event: ptr(stageEventToAPI(ev))})
	return nil
}

func (s *Server) discardStageEvent(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, st, err := s.stageOf(r, p)
	if err != nil {
		return err
	}
	now := s.timestamp()
	ev, err := s.store.UpdateStageEvent(r.Context(), p.Organization.ID, c.ID, st.ID, r.PathValue("eventId"), func(ev *store.StageEvent) error {
		if ev.State != store.StageEventPending && ev.State != store.StageEventWaiting {
			return invalid("stage event %s is %s: only a queued event can be discarded", ev.ID, ev.State)
		}
		ev.State, ev.DiscardedBy, ev.DiscardedAt = store.StageEventDiscarded, p.User.ID, now
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageEventResponse{Event: ptr(stageEventToAPI(ev))})
	return nil
}

func (s *Server) listExecutions(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, st, err := s.stageOf(r, p)
	if err != nil {
		return err
	}
	page, err := pageFrom(r)
	if err != nil {
		return err
	}
	list, err := s.store.ListExecutions(r.Context(), p.Organization.ID, c.ID, st.ID, page)
	if err != nil {
		return err
	}
	out := api.ListExecutionsResponse{Executions: []api.Execution{}}
	for _, ex := range list {
		var ev *store.StageEvent
		if found, err := s.store.FindStageEvent(r.Context(), p.Organization.ID, c.ID, st.ID, ex.StageEventID); err == nil {
			ev = &found
		}
		out.Executions = append(out.Executions, executionToAPI(ex, ev))
	}
	out.TotalCount, out.HasNextPage = int64(len(list)), len(list) == page.Limit
	if n := len(list); n > 0 {
		out.LastTimestamp = ptr(list[n-1].CreatedAt)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) cancelExecution(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, st, err := s.stageOf(r, p)
	if err != nil {
		return err
	}
	ex, err := s.store.RequestCancel(r.Context(), p.Organization.ID, c.ID, st.ID, r.PathValue("executionId"), s.timestamp())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ExecutionResponse{Execution: ptr(executionToAPI(ex, nil))})
	return nil
}
