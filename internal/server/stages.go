package server

import (
	"net/http"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stageToAPI is st in v1's shape; its status shows the queue and last
// execution the service read.
func (s *Server) stageToAPI(st service.Stage) api.Stage {
	spec := s.stageSpec(st.Stage)
	v1Spec(spec)
	return api.Stage{Metadata: stageMetadataToAPI(st), Spec: spec, Status: s.stageStatusToAPI(st)}
}

func stageMetadataToAPI(st service.Stage) *api.StageMetadata {
	created, updated := st.CreatedAt, st.UpdatedAt
	return &api.StageMetadata{ID: st.ID, Name: st.Name, Description: st.Description, CanvasID: st.CanvasID,
		CreatedAt: &created, UpdatedAt: &updated, CreatedBy: st.CreatedBy}
}

func (s *Server) stageStatusToAPI(st service.Stage) *api.StageStatus {
	status := &api.StageStatus{Queue: &api.StatusQueue{Items: []api.StageEvent{}}}
	for _, ev := range st.Queue {
		status.Queue.Items = append(status.Queue.Items, s.stageEventToAPI(ev))
	}
	status.Queue.Total = int64(st.QueueTotal)
	if st.LastExecution != nil {
		status.LastExecution = ptr(s.executionToAPI(*st.LastExecution, st.LastExecutionEvent))
	}
	return status
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) stageEventToAPI(ev store.StageEvent) api.StageEvent {
	created := ev.CreatedAt
	out := api.StageEvent{
		ID: ev.ID, State: ev.State, StateReason: ev.StateReason, CreatedAt: &created, Name: ev.Connection,
		DiscardedBy: ev.DiscardedBy, DiscardedAt: optTime(ev.DiscardedAt),
	}
	if out.StateReason == "" {
		out.StateReason = "STATE_REASON_UNKNOWN"
	}
	out.Approvals = listToAPI(s, ev.Approvals, ev.DecodeApprovals, approvalToAPI)
	out.Inputs = listToAPI(s, ev.Inputs, ev.DecodeInputs, keyValueToAPI)
	trigger := api.Event{
		ID: ev.TriggerEventID, SourceID: ev.TriggerSourceID, SourceName: ev.TriggerSourceName, Type: ev.TriggerType,
		SourceType: triggerSourceType(ev.TriggerSourceType), State: api.EventStateProcessed, StateReason: "STATE_REASON_OK",
		ReceivedAt: &created,
	}
	trigger.Raw = rawObjectToAPI(s, ev.TriggerPayload, isObject, ev.DecodeTriggerPayload)
	trigger.Headers = rawObjectToAPI(s, ev.TriggerHeaders, isStringObject, ev.DecodeTriggerHeaders)
	out.TriggerEvent = &trigger
	return out
}

// triggerSourceType is the wire's source type of a stage event's trigger.
func triggerSourceType(connectionType string) string {
	switch connectionType {
	case api.ConnectionTypeStage:
		return "EVENT_SOURCE_TYPE_STAGE"
	case api.ConnectionTypeConnectionGroup:
		return api.EventSourceTypeConnectionGroup
	}
	return "EVENT_SOURCE_TYPE_EVENT_SOURCE"
}

func (s *Server) executionToAPI(ex store.Execution, ev *store.StageEvent) api.Execution {
	created := ex.CreatedAt
	out := api.Execution{
		ID: ex.ID, State: ex.State, Result: ex.Result, ResultReason: ex.ResultReason, ResultMessage: ex.ResultMessage,
		CreatedAt: &created, StartedAt: optTime(ex.StartedAt), FinishedAt: optTime(ex.FinishedAt), CancelledAt: optTime(ex.CancelledAt),
	}
	if out.Result == "" {
		out.Result = "RESULT_UNKNOWN"
	}
	if out.ResultReason == "" {
		out.ResultReason = api.ResultReasonOK
	}
	out.Outputs = listToAPI(s, ex.Outputs, ex.DecodeOutputs, outputToAPI)
	out.Resources = listToAPI(s, ex.Resources, ex.DecodeResources, resourceToAPI)
	if ev != nil {
		out.StageEvent = ptr(s.stageEventToAPI(*ev))
	}
	return out
}

func (s *Server) listStages(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.stages.List(r.Context(), p, r.PathValue("canvasIdOrName"))
	if err != nil {
		return err
	}
	// The answer is api.ListStagesResponse of stageToAPI's stages, byte for
	// byte, with the specs encoded once per stored spec rather than on
	// every list (stagespec_json.go, stagelist_encode.go).
	s.writeStageList(w, list, s.stageSpecsJSON(list))
	return nil
}

func (s *Server) describeStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	st, err := s.stages.Find(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageResponse{Stage: ptr(s.stageToAPI(st))})
	return nil
}

func (s *Server) createStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.StageRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	st, err := s.stages.Create(r.Context(), p, r.PathValue("canvasIdOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageResponse{Stage: ptr(s.stageToAPI(st))})
	return nil
}

func (s *Server) updateStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.StageRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	st, err := s.stages.Update(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageResponse{Stage: ptr(s.stageToAPI(st))})
	return nil
}

func (s *Server) deleteStage(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	if err := s.stages.Delete(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

// pageFrom reads a list's page from the query string; the service parses
// it, after it has found what the list belongs to.
func pageFrom(r *http.Request) store.PageQuery {
	q := r.URL.Query()
	return store.PageQuery{Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId")}
}

func (s *Server) listStageEvents(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	page, err := s.stages.Events(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("stageIdOrName"), r.URL.Query()["states"], pageFrom(r))
	if err != nil {
		return err
	}
	list := page.Events
	out := api.ListStageEventsResponse{Events: []api.StageEvent{}, TotalCount: page.Total, TotalCountCapped: page.TotalCapped, HasNextPage: page.More}
	for _, ev := range list {
		out.Events = append(out.Events, s.stageEventToAPI(ev))
	}
	if n := len(list); n > 0 {
		out.LastTimestamp = ptr(list[n-1].CreatedAt)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// approveStageEvent records the caller's approval (see
// service.Stages.Approve) and wakes the engine, which may now start it.
func (s *Server) approveStageEvent(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	ev, err := s.stages.Approve(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("stageIdOrName"), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	s.engine.Wake()
	writeJSON(w, http.StatusOK, api.StageEventResponse{Event: ptr(s.stageEventToAPI(ev))})
	return nil
}

func (s *Server) discardStageEvent(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	ev, err := s.stages.Discard(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("stageIdOrName"), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.StageEventResponse{Event: ptr(s.stageEventToAPI(ev))})
	return nil
}

func (s *Server) listExecutions(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	page, err := s.stages.Executions(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("stageIdOrName"), pageFrom(r))
	if err != nil {
		return err
	}
	// writeJSON's answer, written without reflection from the stored
	// values (list_encode.go), into a buffer sized for it once and kept for
	// the next list.
	size := 200
	for i := range page.Executions {
		size += 1200
		if ev := page.Executions[i].Event; ev != nil {
			size += len(ev.TriggerPayload) + len(ev.TriggerHeaders)
		}
	}
	buf := listBuffer(size)
	*buf = s.appendExecutionList(*buf, page)
	writeListJSON(w, *buf)
	putListBuffer(buf)
	return nil
}

func (s *Server) cancelExecution(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	ex, err := s.stages.Cancel(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("stageIdOrName"), r.PathValue("executionId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ExecutionResponse{Execution: ptr(s.executionToAPI(ex, nil))})
	return nil
}
