package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Connection groups (see store.ConnectionGroup): routing adds each event a
// group listens to to the group's field set for the event's key, in the
// transaction that routes the event (store.Routed); groupPass then times
// out field sets and emits the complete ones to the stages connected to
// the group, each exactly once.
const (
	// MaxPendingFieldSets bounds a group's pending field sets: a new key
	// beyond it is refused (kept as a discarded field set that says why).
	MaxPendingFieldSets = 1000
	// groupBatch field sets are timed out or emitted per batch, at most
	// groupBatches batches a pass, so a backlog is worked off over passes.
	groupBatch   = 100
	groupBatches = 10
	// groupEventType is the type of a group's event in its stage events.
	groupEventType = "connection_group"
)

// groupPrograms is a group's spec with its expressions compiled.
type groupPrograms struct {
	spec    api.ConnectionGroupSpec
	specErr error
	conns   []compiledSet
	fields  []compiledValue
}

func groupProgramsOf(g store.ConnectionGroup) *groupPrograms {
	v := compiled.Get("connection group", g.ID, g.Spec, func() any {
		spec, err := store.DecodeJSON[api.ConnectionGroupSpec]("connection group", g.ID, "spec", g.Spec)
		gp := &groupPrograms{spec: spec, specErr: err}
		if err != nil {
			return gp
		}
		for i, conn := range spec.Connections {
			set, err := filter.CompileSet(fmt.Sprintf("connectionGroup.spec.connections[%d]", i), conn.Filters, conn.FilterOperator)
			gp.conns = append(gp.conns, compiledSet{set, err})
		}
		if spec.GroupBy != nil {
			for i, f := range spec.GroupBy.Fields {
				prog, err := filter.CompileValue(f.Expression)
				if err != nil {
					err = fmt.Errorf("connectionGroup.spec.groupBy.fields[%d].expression: %w", i, err)
				}
				gp.fields = append(gp.fields, compiledValue{prog, err})
			}
		}
		return gp
	})
	gp, _ := v.(*groupPrograms)
	return gp
}

// groupsOf lists a canvas's groups once per batch.
type groupsOf map[string][]store.ConnectionGroup

func (e *Engine) canvasGroups(ctx context.Context, cache groupsOf, orgID, canvasID string) ([]store.ConnectionGroup, error) {
	key := orgID + "/" + canvasID
	if gs, ok := cache[key]; ok {
		return gs, nil
	}
	gs, err := e.store.ListConnectionGroups(ctx, orgID, canvasID)
	if err != nil {
		return nil, fmt.Errorf("listing the canvas's connection groups: %w", err)
	}
	cache[key] = gs
	return gs, nil
}

// arrival is what arrives in groups: an event from a connection of type
// typ named name.
type arrival struct {
	typ, name string
	sourceID  string
	eventID   string
	raw       []byte
	headers   []byte
	at        time.Time
}

// groupArrivals returns an arrival in each group of gs with a connection to
// a's connection whose filters pass, keyed by the group's groupBy values.
// A group that cannot judge the event (an expression over its limits, a
// field with no value) does not gather it and records a rejection saying
// why; the event still goes everywhere else.
func (e *Engine) groupArrivals(ctx context.Context, gs []store.ConnectionGroup, a arrival, f *findings) []store.GroupArrival {
	var out []store.GroupArrival
	var payload map[string]any
	var headers map[string]string
	decoded := false
	now := e.timestamp()
	for _, g := range gs {
		gp := groupProgramsOf(g)
		if gp.specErr != nil {
			e.log.ErrorContext(ctx, "engine: a connection group's spec does not decode; routing skips it", slog.String("group", g.ID), slog.String("error", gp.specErr.Error()))
			continue
		}
		for i, conn := range gp.spec.Connections {
			if conn.Type != a.typ || conn.Name != a.name {
				continue
			}
			if !decoded {
				decoded = true
				var err error
				if payload, err = store.DecodeJSON[map[string]any]("event", a.eventID, "payload", a.raw); err != nil {
					f.rejectGroup(g, a.eventID, api.RejectionReasonError, err.Error(), now)
					return out
				}
				if len(a.headers) > 0 {
					if headers, err = store.DecodeJSON[map[string]string]("event", a.eventID, "headers", a.headers); err != nil {
						f.rejectGroup(g, a.eventID, api.RejectionReasonError, err.Error(), now)
						return out
					}
				}
				if headers == nil {
					headers = map[string]string{}
				}
			}
			c := gp.conns[i]
			if c.err != nil {
				f.rejectGroup(g, a.eventID, api.RejectionReasonError, c.err.Error(), now)
				break
			}
			ok, err := c.set.Match(payload, headers)
			if err != nil {
				f.rejectGroup(g, a.eventID, api.RejectionReasonError, err.Error(), now)
				break
			}
			if !ok {
				f.rejectGroup(g, a.eventID, api.RejectionReasonFiltered,
					fmt.Sprintf("event from %s did not pass the filters of connection %s", a.name, conn.Name), now)
				break
			}
			ga, err := groupArrival(g, gp, a, payload, headers)
			if err != nil {
				f.rejectGroup(g, a.eventID, api.RejectionReasonError, err.Error(), now)
				break
			}
			out = append(out, ga)
			break
		}
	}
	return out
}

// groupArrival computes the event's key in g: its groupBy values, in the
// spec's order, and their hash.
func groupArrival(g store.ConnectionGroup, gp *groupPrograms, a arrival, payload map[string]any, headers map[string]string) (store.GroupArrival, error) {
	fields := make([]api.KeyValuePair, 0, len(gp.fields))
	for i, c := range gp.fields {
		name := gp.spec.GroupBy.Fields[i].Name
		if c.err != nil {
			return store.GroupArrival{}, c.err
		}
		v, err := filter.Value(c.prog, payload, headers)
		if err != nil && errors.Is(err, filter.ErrLimit) {
			return store.GroupArrival{}, fmt.Errorf("connectionGroup.spec.groupBy.fields[%d].expression: %w", i, err)
		}
		if err != nil || v == "" {
			// An event without the field cannot be told apart from others
			// without it: grouping them would join unrelated events.
			return store.GroupArrival{}, fmt.Errorf("groupBy field %s has no value in the event from %s", name, a.name)
		}
		fields = append(fields, api.KeyValuePair{Name: name, Value: v})
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return store.GroupArrival{}, err
	}
	sum := sha256.Sum256(b)
	required := make([]string, 0, len(gp.spec.Connections))
	for _, conn := range gp.spec.Connections {
		required = append(required, store.ConnectionKey(conn.Type, conn.Name))
	}
	return store.GroupArrival{
		GroupID: g.ID, Hash: hex.EncodeToString(sum[:]), Fields: b, Required: required, MaxPending: MaxPendingFieldSets,
		Event: store.FieldSetEvent{ID: uuid.NewString(), ConnectionType: a.typ, ConnectionName: a.name, SourceID: a.sourceID,
			EventID: a.eventID, Payload: a.raw, Headers: a.headers, ReceivedAt: a.at},
	}, nil
}

// executionArrivals are the group arrivals of a finished execution: its
// stage's groups get the payload its downstream stages get (downstream).
func (e *Engine) executionArrivals(ctx context.Context, ex store.Execution, outputs []api.OutputValue) []store.GroupArrival {
	gs, err := e.store.ListConnectionGroups(ctx, ex.OrgID, ex.CanvasID)
	if err != nil || len(gs) == 0 {
		if err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "engine: listing connection groups for a finished execution", slog.String("execution", ex.ID), slog.String("error", err.Error()))
		}
		return nil
	}
	st, err := e.store.FindStageByID(ctx, ex.StageID)
	if err != nil {
		return nil
	}
	outs := map[string]any{}
	for _, o := range outputs {
		outs[o.Name] = o.Value
	}
	raw, err := json.Marshal(map[string]any{
		"stageId": st.ID, "stageName": st.Name, "executionId": ex.ID,
		"result": ex.Result, "resultReason": ex.ResultReason, "outputs": outs,
	})
	if err != nil {
		return nil
	}
	f := &findings{}
	defer e.write(ctx, f)
	return e.groupArrivals(ctx, gs, arrival{typ: api.ConnectionTypeStage, name: st.Name, sourceID: st.ID, eventID: ex.ID,
		raw: raw, headers: []byte("{}"), at: ex.FinishedAt}, f)
}

// finishExecution records the end of ex with what it triggers: the stage
// events of downstream (a free stage's execution started at once) and,
// when a connection group listens to its stage, its arrivals in the
// group, in one transaction.
func (e *Engine) finishExecution(ctx context.Context, ex store.Execution, owner string, downstream store.Routed, outputs []api.OutputValue) error {
	downstream.Arrivals = e.executionArrivals(ctx, ex, outputs)
	if len(downstream.Arrivals) == 0 && !startable(downstream.StageEvents) {
		return e.store.FinishExecution(ctx, ex, owner, downstream.StageEvents)
	}
	return e.store.FinishExecutionRouted(ctx, ex, owner, downstream, e.timestamp())
}

// startable tells whether a stage event of evs may start its execution
// where it is written (store.StageEvent.StartIfFree).
func startable(evs []store.StageEvent) bool {
	for _, se := range evs {
		if se.StartIfFree {
			return true
		}
	}
	return false
}

// groupPass times out the field sets past their timeout and emits the
// complete ones, in bounded batches.
func (e *Engine) groupPass(ctx context.Context) {
	for range groupBatches {
		n, err := e.store.ExpireFieldSets(ctx, e.timestamp(), groupBatch)
		if err != nil {
			if ctx.Err() == nil {
				e.log.ErrorContext(ctx, "engine: timing out field sets", slog.String("error", err.Error()))
			}
			break
		}
		if n < groupBatch {
			break
		}
	}
	for range groupBatches {
		// The findings are written after the batch, never inside the
		// store's transaction.
		all := &findings{}
		n, err := e.store.EmitFieldSets(ctx, groupBatch, func(fs store.FieldSet) (_ []store.StageEvent, err error) {
			// A bug must cost one field set, not the engine.
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("emitting the field set failed: %v", r)
				}
			}()
			return e.emitFieldSet(ctx, fs, all)
		})
		e.write(ctx, all)
		if err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "engine: emitting connection group events", slog.String("error", err.Error()))
		}
		if n < groupBatch {
			return
		}
	}
}

// emitFieldSet builds the stage events of fs's group event: its payload is
// {"fields": {name: value}, "events": {connection name: the latest payload
// from it}}, judged by the filters and mappings of every stage connected to
// the group.
func (e *Engine) emitFieldSet(ctx context.Context, fs store.FieldSet, f *findings) ([]store.StageEvent, error) {
	stages, err := e.stageSets.stages(ctx, e.store, fs.OrgID, fs.CanvasID)
	if err != nil {
		return nil, err
	}
	kv, err := fs.DecodeFields()
	if err != nil {
		return nil, err
	}
	fields := map[string]any{}
	for _, p := range kv {
		fields[p.Name] = p.Value
	}
	events := map[string]any{}
	for _, ev := range fs.Events { // oldest first: the latest of a connection wins
		payload, err := store.DecodeJSON[map[string]any]("field set event", ev.ID, "payload", ev.Payload)
		if err != nil {
			return nil, err
		}
		events[ev.ConnectionName] = payload
	}
	raw, err := json.Marshal(map[string]any{"fields": fields, "events": events})
	if err != nil {
		return nil, err
	}
	normalized, err := store.DecodeJSON[map[string]any]("field set", fs.ID, "group payload", raw)
	if err != nil {
		return nil, err
	}
	trigger := store.StageEvent{
		TriggerSourceType: api.ConnectionTypeConnectionGroup, TriggerSourceID: fs.GroupID, TriggerSourceName: fs.GroupName,
		TriggerEventID: fs.ID, TriggerType: groupEventType, TriggerPayload: raw, TriggerHeaders: []byte("{}"),
	}
	out, err := e.matchStages(ctx, stages, nil, api.ConnectionTypeConnectionGroup, fs.GroupName, trigger, normalized, map[string]string{}, f)
	if err != nil {
		// The stages whose expressions failed get nothing (each has its
		// rejection and alert), the others their stage events.
		e.log.WarnContext(ctx, "engine: a stage's expression failed on a group event", slog.String("field_set", fs.ID), slog.String("error", err.Error()))
	}
	return out, nil
}

// pruneFieldSets removes field sets that ended longer than the event
// retention ago, in bounded batches (none when events are kept forever).
func (e *Engine) pruneFieldSets(ctx context.Context, now time.Time) {
	if e.eventRetention <= 0 {
		return
	}
	for range pruneBatches {
		n, err := e.store.PruneFieldSets(ctx, now.Add(-e.eventRetention), pruneBatch)
		if err != nil {
			if ctx.Err() == nil {
				e.log.WarnContext(ctx, "engine: pruning old field sets", slog.String("error", err.Error()))
			}
			return
		}
		if n < pruneBatch {
			return
		}
	}
}

// rejectGroup records that group g did not gather the event, and why.
func (f *findings) rejectGroup(g store.ConnectionGroup, eventID, reason, message string, at time.Time) {
	if f == nil {
		return
	}
	f.rejections = append(f.rejections, store.Rejection{
		ID: uuid.NewString(), OrgID: g.OrgID, CanvasID: g.CanvasID, TargetType: api.ConnectionTypeConnectionGroup,
		TargetID: g.ID, TargetName: g.Name, EventID: eventID, Reason: reason,
		Message: redact.New().Clip(message, executor.MaxMessage), CreatedAt: at,
	})
}
