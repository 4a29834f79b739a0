package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// StageParams is what a caller sets on a stage: its metadata and its spec.
// Create and update both send all of it: the contract's update replaces the
// description and the whole spec.
type StageParams struct {
	// Name is the stage's name, unique in its canvas. On update it is the
	// new name, or the current one when the name does not change.
	Name string
	// Description is free-form; on update it replaces the current one.
	Description string
	// Spec is the stage's connections, inputs and their mappings, outputs,
	// conditions, secrets and executor.
	Spec api.StageSpec
}

// stage builds the wire object for p.
func (p StageParams) stage() *api.Stage {
	spec := p.Spec
	return &api.Stage{
		Metadata: &api.StageMetadata{Name: p.Name, Description: p.Description},
		Spec:     &spec,
	}
}

// StageEventQuery selects a page of a stage's queue, newest first.
type StageEventQuery struct {
	// States narrows the list to these states (api.StageEventState*);
	// empty means all.
	States []string
	// Limit is the page size; zero means the server's default.
	Limit int
	// Before and BeforeID continue after the last event of the previous
	// page: its CreatedAt and ID. A zero Before starts at the newest.
	Before   time.Time
	BeforeID string
}

// ExecutionQuery selects a page of a stage's executions, newest first.
type ExecutionQuery struct {
	// Limit is the page size; zero means the server's default.
	Limit int
	// Before and BeforeID continue after the last execution of the
	// previous page: its CreatedAt and ID. A zero Before starts at the
	// newest.
	Before   time.Time
	BeforeID string
}

// stagesPath is the collection of a canvas's stages.
func stagesPath(canvas string) string {
	return "/api/v1/canvases/" + url.PathEscape(canvas) + "/stages"
}

// stagePath is the path of one stage.
func stagePath(canvas, idOrName string) string {
	return stagesPath(canvas) + "/" + url.PathEscape(idOrName)
}

// pageQuery is the query of a paged list.
func pageQuery(limit int, before time.Time, beforeID string) url.Values {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if !before.IsZero() {
		q.Set("before", before.UTC().Format(time.RFC3339Nano))
		if beforeID != "" {
			q.Set("beforeId", beforeID)
		}
	}
	return q
}

// ListStages returns the stages of a canvas (id or name). A missing canvas
// satisfies IsNotFound.
func (c *Client) ListStages(ctx context.Context, canvas string) ([]api.Stage, error) {
	if canvas == "" {
		return nil, errors.New("list stages: a canvas id or name is required")
	}
	var out api.ListStagesResponse
	if _, err := c.do(ctx, request{op: "list stages", method: http.MethodGet, path: stagesPath(canvas)}, &out); err != nil {
		return nil, err
	}
	if out.Stages == nil {
		out.Stages = []api.Stage{}
	}
	return out.Stages, nil
}

// CreateStage creates a stage in a canvas (id or name). The server checks
// the whole spec first (connections exist, templates name declared inputs
// and secrets, the executor's fields) and answers 400 naming the field. A
// missing canvas satisfies IsNotFound. A taken name satisfies IsConflict,
// except when a retry meets the stage an earlier attempt of this call
// created: then that stage is returned.
func (c *Client) CreateStage(ctx context.Context, canvas string, p StageParams) (*api.Stage, error) {
	if canvas == "" || p.Name == "" {
		return nil, errors.New("create stage: a canvas id or name and a stage name are required")
	}
	started := time.Now()
	body := api.StageRequest{Stage: p.stage()}
	var out api.StageResponse
	c.made.try(nameKey("stage", canvas, p.Name))
	attempts, err := c.do(ctx, request{op: "create stage", method: http.MethodPost, path: stagesPath(canvas), body: body}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if own := c.ownStage(ctx, canvas, p, started); own != nil {
				c.made.add(own.Metadata.ID)
				return own, nil
			}
		}
		return nil, err
	}
	st, err := checkStage(out.Stage, "create stage")
	if err == nil {
		c.made.add(st.Metadata.ID)
	}
	return st, err
}

// ownStage returns the stage called p.Name if an earlier attempt of the
// create that started at started made it: the same description and spec,
// created after the call began (allowing for clock skew). Otherwise nil.
// Stage metadata names no creator, so this is as close as the API lets a
// client get to "made by this call".
func (c *Client) ownStage(ctx context.Context, canvas string, p StageParams, started time.Time) *api.Stage {
	st, err := c.GetStage(ctx, canvas, p.Name)
	if err != nil {
		return nil
	}
	m := st.Metadata
	if m.Name != p.Name || m.Description != p.Description || m.CreatedAt == nil || m.CreatedAt.Before(started.Add(-clockSkew)) {
		return nil
	}
	got, err1 := canonicalStageSpec(st.Spec)
	want, err2 := canonicalStageSpec(&p.Spec)
	if err1 != nil || err2 != nil || got != want {
		return nil
	}
	return st
}

// canonicalStageSpec is spec as JSON after the trip through the server,
// which stores what it decoded and fills in an empty executor spec: two
// specs are the same stage exactly when these strings are equal.
func canonicalStageSpec(spec *api.StageSpec) (string, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	var decoded api.StageSpec
	if err := json.Unmarshal(b, &decoded); err != nil {
		return "", err
	}
	if decoded.Executor != nil && decoded.Executor.Spec == nil {
		decoded.Executor.Spec = map[string]any{}
	}
	b, err = json.Marshal(decoded)
	return string(b), err
}

// GetStage returns a stage by id or name, with its status: the last
// execution and the queue. A missing canvas or stage satisfies IsNotFound.
func (c *Client) GetStage(ctx context.Context, canvas, idOrName string) (*api.Stage, error) {
	if canvas == "" || idOrName == "" {
		return nil, errors.New("get stage: a canvas id or name and a stage id or name are required")
	}
	var out api.StageResponse
	if _, err := c.do(ctx, request{op: "get stage", method: http.MethodGet, path: stagePath(canvas, idOrName)}, &out); err != nil {
		return nil, err
	}
	return checkStage(out.Stage, "get stage")
}

// UpdateStage replaces a stage's name, description and spec with p. p.Name
// must be the stage's name when it does not change. The server checks the
// spec as on create.
func (c *Client) UpdateStage(ctx context.Context, canvas, idOrName string, p StageParams) (*api.Stage, error) {
	if canvas == "" || idOrName == "" || p.Name == "" {
		return nil, errors.New("update stage: a canvas id or name, the stage's id or name and its new name are required")
	}
	body := api.StageRequest{Stage: p.stage()}
	var out api.StageResponse
	r := request{op: "update stage", method: http.MethodPatch, path: stagePath(canvas, idOrName), body: body}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkStage(out.Stage, "update stage")
}

// DeleteStage deletes a stage by id or name, with its queue and
// executions. A stage that another stage listens to is refused with 409
// naming the listeners (IsConflict). A missing stage satisfies IsNotFound.
func (c *Client) DeleteStage(ctx context.Context, canvas, idOrName string) error {
	if canvas == "" || idOrName == "" {
		return errors.New("delete stage: a canvas id or name and a stage id or name are required")
	}
	_, err := c.do(ctx, request{op: "delete stage", method: http.MethodDelete, path: stagePath(canvas, idOrName)}, nil)
	return err
}

// ListStageEvents returns one page of a stage's queue (and the events it
// has processed or discarded), newest first. A missing canvas or stage
// satisfies IsNotFound.
func (c *Client) ListStageEvents(ctx context.Context, canvas, stage string, q StageEventQuery) (*api.ListStageEventsResponse, error) {
	if canvas == "" || stage == "" {
		return nil, errors.New("list stage events: a canvas id or name and a stage id or name are required")
	}
	query := pageQuery(q.Limit, q.Before, q.BeforeID)
	for _, s := range q.States {
		query.Add("states", s)
	}
	var out api.ListStageEventsResponse
	r := request{op: "list stage events", method: http.MethodGet, path: stagePath(canvas, stage) + "/events", query: query}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Events == nil {
		out.Events = []api.StageEvent{}
	}
	return &out, nil
}

// ApproveStageEvent records the caller's approval of a queued stage event
// and returns the event. Approving twice counts once, so a retried call is
// harmless. An event no longer queued is refused (400).
func (c *Client) ApproveStageEvent(ctx context.Context, canvas, stage, eventID string) (*api.StageEvent, error) {
	if canvas == "" || stage == "" || eventID == "" {
		return nil, errors.New("approve stage event: a canvas, a stage and an event id are required")
	}
	var out api.StageEventResponse
	r := request{op: "approve stage event", method: http.MethodPost, path: stagePath(canvas, stage) + "/events/" + url.PathEscape(eventID) + "/approve", body: struct{}{}}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkStageEvent(out.Event, r.op)
}

// DiscardStageEvent takes a queued stage event out of the queue without
// running it and returns the event. An event no longer queued is refused
// (400), except when a retry meets the event an earlier attempt of this
// call discarded: then that event is returned.
func (c *Client) DiscardStageEvent(ctx context.Context, canvas, stage, eventID string) (*api.StageEvent, error) {
	if canvas == "" || stage == "" || eventID == "" {
		return nil, errors.New("discard stage event: a canvas, a stage and an event id are required")
	}
	started := time.Now()
	var out api.StageEventResponse
	r := request{op: "discard stage event", method: http.MethodPost, path: stagePath(canvas, stage) + "/events/" + url.PathEscape(eventID) + "/discard", body: struct{}{}}
	attempts, err := c.do(ctx, r, &out)
	if err != nil {
		if e, ok := asAPIError(err); ok && attempts > 1 && e.StatusCode == http.StatusBadRequest {
			if own := c.ownDiscard(ctx, canvas, stage, eventID, started); own != nil {
				return own, nil
			}
		}
		return nil, err
	}
	return checkStageEvent(out.Event, r.op)
}

// ownDiscard returns the stage event eventID if we discarded it after
// started (allowing for clock skew), as an earlier attempt of a discard
// whose answer was lost would have. Otherwise nil.
func (c *Client) ownDiscard(ctx context.Context, canvas, stage, eventID string, started time.Time) *api.StageEvent {
	me, err := c.cachedMe(ctx)
	if err != nil {
		return nil
	}
	// Newest first: an event discarded moments ago is on the first page
	// unless the queue moved a lot in between.
	list, err := c.ListStageEvents(ctx, canvas, stage, StageEventQuery{States: []string{api.StageEventStateDiscarded}, Limit: 100})
	if err != nil {
		return nil
	}
	for i, ev := range list.Events {
		if ev.ID == eventID && ev.DiscardedBy != "" && ev.DiscardedBy == me.ID &&
			ev.DiscardedAt != nil && !ev.DiscardedAt.Before(started.Add(-clockSkew)) {
			return &list.Events[i]
		}
	}
	return nil
}

// ListExecutions returns one page of a stage's executions, newest first,
// each with the stage event it ran for. A missing canvas or stage
// satisfies IsNotFound.
func (c *Client) ListExecutions(ctx context.Context, canvas, stage string, q ExecutionQuery) (*api.ListExecutionsResponse, error) {
	if canvas == "" || stage == "" {
		return nil, errors.New("list executions: a canvas id or name and a stage id or name are required")
	}
	var out api.ListExecutionsResponse
	r := request{op: "list executions", method: http.MethodGet, path: stagePath(canvas, stage) + "/executions", query: pageQuery(q.Limit, q.Before, q.BeforeID)}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Executions == nil {
		out.Executions = []api.Execution{}
	}
	return &out, nil
}

// CancelExecution asks for an execution to be cancelled and returns it: a
// pending one is finished at once, a running one stops at the executor's
// next check, a finished one is returned unchanged, so a retried call is
// harmless. A missing execution satisfies IsNotFound.
func (c *Client) CancelExecution(ctx context.Context, canvas, stage, executionID string) (*api.Execution, error) {
	if canvas == "" || stage == "" || executionID == "" {
		return nil, errors.New("cancel execution: a canvas, a stage and an execution id are required")
	}
	var out api.ExecutionResponse
	r := request{op: "cancel execution", method: http.MethodPost, path: stagePath(canvas, stage) + "/executions/" + url.PathEscape(executionID) + "/cancel", body: struct{}{}}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Execution == nil || out.Execution.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no execution", r.op)
	}
	return out.Execution, nil
}

// checkStage rejects a response without the stage in it.
func checkStage(st *api.Stage, op string) (*api.Stage, error) {
	if st == nil || st.Metadata == nil || st.Metadata.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no stage metadata", op)
	}
	if st.Spec == nil {
		st.Spec = &api.StageSpec{}
	}
	return st, nil
}

// checkStageEvent rejects a response without the stage event in it.
func checkStageEvent(ev *api.StageEvent, op string) (*api.StageEvent, error) {
	if ev == nil || ev.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no stage event", op)
	}
	return ev, nil
}
