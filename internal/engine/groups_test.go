package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// groupEnv is a canvas with webhook sources a and b, connection group join
// (a and b grouped by $.version) and stage deploy connected to the group,
// taking VERSION from the group event's fields, on a SQLite file that a
// test may reopen as a restarted server would.
type groupEnv struct {
	path        string
	st          store.Store
	org, canvas string
	a, b        store.EventSource
	group       store.ConnectionGroup
	stage       store.Stage
	clock       time.Time
	clockMu     sync.Mutex
}

func (g *groupEnv) now() time.Time {
	g.clockMu.Lock()
	defer g.clockMu.Unlock()
	return g.clock
}

func (g *groupEnv) advance(d time.Duration) {
	g.clockMu.Lock()
	defer g.clockMu.Unlock()
	g.clock = g.clock.Add(d)
}

func newGroupEnv(t *testing.T, behaviour string) *groupEnv {
	t.Helper()
	ctx := t.Context()
	g := &groupEnv{path: filepath.Join(t.TempDir(), "superplane.db"), clock: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	g.open(t)
	org, err := g.st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	g.org = org.ID
	now := g.clock
	c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := g.st.CreateCanvas(ctx, c); err != nil {
		t.Fatal(err)
	}
	g.canvas = c.ID
	source := func(name string) store.EventSource {
		es := store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: name, Type: "webhook",
			Events: []byte(`[]`), KeyID: "k", KeyCiphertext: []byte("sealed"), KeyVersion: 1, CreatedAt: now, UpdatedAt: now}
		if err := g.st.CreateEventSource(ctx, es); err != nil {
			t.Fatal(err)
		}
		return es
	}
	g.a, g.b = source("a"), source("b")
	spec, _ := json.Marshal(api.ConnectionGroupSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "a"}, {Type: api.ConnectionTypeEventSource, Name: "b"}},
		GroupBy:     &api.GroupBy{Fields: []api.GroupByField{{Name: "version", Expression: "$.version"}}},
		Timeout:     60, TimeoutBehavior: behaviour,
	})
	g.group = store.ConnectionGroup{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "join", Spec: spec,
		Timeout: time.Minute, TimeoutEmit: behaviour == api.TimeoutBehaviorEmit, CreatedAt: now, UpdatedAt: now}
	if err := g.st.CreateConnectionGroup(ctx, g.group); err != nil {
		t.Fatal(err)
	}
	stageSpec, _ := json.Marshal(api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeConnectionGroup, Name: "join"}},
		Inputs:      []api.InputDefinition{{Name: "VERSION"}},
		InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "VERSION", ValueFrom: &api.StageValueFrom{
			EventData: &api.ValueFromEventData{Connection: "join", Expression: "$.fields.version"}}}}}},
		Executor: &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
	})
	g.stage = store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "deploy", Spec: stageSpec, CreatedAt: now, UpdatedAt: now}
	if err := g.st.CreateStage(ctx, g.stage); err != nil {
		t.Fatal(err)
	}
	return g
}

// open opens (or reopens, after close: a restarted server) the database.
func (g *groupEnv) open(t *testing.T) {
	t.Helper()
	st, err := store.Open(t.Context(), g.path)
	if err != nil {
		t.Fatal(err)
	}
	g.st = st
	t.Cleanup(func() { st.Close() })
}

func (g *groupEnv) engine(st store.Store) *Engine {
	return New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), WithClock(g.now))
}

// deliver stores an event of source es with payload, as a receiver does.
func (g *groupEnv) deliver(t *testing.T, es store.EventSource, payload string) store.Event {
	t.Helper()
	ev, _, err := g.st.InsertEvent(t.Context(), store.Event{ID: uuid.NewString(), SourceID: es.ID, Type: "webhook",
		Raw: []byte(payload), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: g.now()})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (g *groupEnv) fieldSets(t *testing.T) []store.FieldSet {
	t.Helper()
	sets, err := g.st.ListFieldSets(t.Context(), g.group.ID, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

func (g *groupEnv) queue(t *testing.T) []store.StageEvent {
	t.Helper()
	evs, err := g.st.ListStageEvents(t.Context(), g.org, g.canvas, g.stage.ID, nil, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestConnectionGroupEmitsOnce: a field set completes when both sources
// sent an event with its version, and its event reaches the stage once,
// with the version mapped, however many engines pass over it; events of
// other versions wait in their own field sets.
func TestConnectionGroupEmitsOnce(t *testing.T) {
	g := newGroupEnv(t, "")
	ctx := t.Context()
	e := g.engine(g.st)

	first := g.deliver(t, g.a, `{"version":"1.0"}`)
	g.deliver(t, g.b, `{"version":"2.0"}`)
	e.enginePass(ctx)
	if sets := g.fieldSets(t); len(sets) != 2 || sets[0].State != store.FieldSetPending || sets[1].State != store.FieldSetPending {
		t.Fatalf("after a@1.0 and b@2.0: %+v; want two pending field sets", sets)
	}
	if q := g.queue(t); len(q) != 0 {
		t.Fatalf("the stage got %d events before any field set was complete", len(q))
	}

	g.advance(time.Second)
	second := g.deliver(t, g.b, `{"version":"1.0"}`)
	// Several engines (servers) pass at once: one group event in all.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.engine(g.st).enginePass(ctx)
		}()
	}
	wg.Wait()
	e.enginePass(ctx)

	q := g.queue(t)
	if len(q) != 1 {
		t.Fatalf("the stage got %d events for one complete field set, want 1", len(q))
	}
	inputs, err := q[0].DecodeInputs()
	if err != nil || len(inputs) != 1 || inputs[0].Name != "VERSION" || inputs[0].Value != "1.0" {
		t.Errorf("the group event's inputs = %+v, %v; want VERSION=1.0", inputs, err)
	}
	if q[0].TriggerSourceType != api.ConnectionTypeConnectionGroup || q[0].TriggerSourceName != "join" || q[0].Connection != "join" {
		t.Errorf("the stage event's trigger = %s %s (connection %s); want the group join", q[0].TriggerSourceType, q[0].TriggerSourceName, q[0].Connection)
	}
	var payload struct {
		Fields map[string]string         `json:"fields"`
		Events map[string]map[string]any `json:"events"`
	}
	if err := json.Unmarshal(q[0].TriggerPayload, &payload); err != nil {
		t.Fatal(err)
	}
	if payload.Fields["version"] != "1.0" || payload.Events["a"]["version"] != "1.0" || payload.Events["b"]["version"] != "1.0" {
		t.Errorf("the group event's payload = %s; want the fields and both events", q[0].TriggerPayload)
	}

	var done store.FieldSet
	for _, fs := range g.fieldSets(t) {
		if fs.State == store.FieldSetProcessed {
			done = fs
		}
	}
	if done.StateReason != store.FieldSetReasonOK || len(done.Events) != 2 ||
		done.Events[0].EventID != first.ID || done.Events[1].EventID != second.ID {
		t.Errorf("the complete field set = %+v; want processed (OK) with a's and b's events", done)
	}
}

// TestConnectionGroupTimeout: a field set missing a connection past the
// group's timeout is dropped, or emitted with what arrived, as the group
// says, and not before.
func TestConnectionGroupTimeout(t *testing.T) {
	for _, tc := range []struct {
		behaviour string
		state     string
		emitted   int
	}{
		{api.TimeoutBehaviorDrop, store.FieldSetDiscarded, 0},
		{"", store.FieldSetDiscarded, 0}, // the default drops
		{api.TimeoutBehaviorEmit, store.FieldSetProcessed, 1},
	} {
		t.Run("behaviour "+tc.behaviour, func(t *testing.T) {
			g := newGroupEnv(t, tc.behaviour)
			ctx := t.Context()
			e := g.engine(g.st)
			g.deliver(t, g.a, `{"version":"1.0"}`)
			e.enginePass(ctx)
			g.advance(59 * time.Second)
			e.enginePass(ctx)
			if sets := g.fieldSets(t); len(sets) != 1 || sets[0].State != store.FieldSetPending {
				t.Fatalf("before the timeout: %+v; want the field set pending", sets)
			}
			g.advance(time.Second)
			e.enginePass(ctx)
			sets := g.fieldSets(t)
			if len(sets) != 1 || sets[0].State != tc.state || sets[0].StateReason != store.FieldSetReasonTimeout {
				t.Fatalf("after the timeout: %+v; want %s (timeout)", sets, tc.state)
			}
			q := g.queue(t)
			if len(q) != tc.emitted {
				t.Fatalf("the stage got %d events, want %d", len(q), tc.emitted)
			}
			if tc.emitted == 1 {
				var payload struct {
					Events map[string]any `json:"events"`
				}
				if err := json.Unmarshal(q[0].TriggerPayload, &payload); err != nil || len(payload.Events) != 1 || payload.Events["a"] == nil {
					t.Errorf("the timed-out group event = %s; want a's event only", q[0].TriggerPayload)
				}
			}
		})
	}
}

// crashingStore fails every emission, as a server that dies after the
// routing transaction and before the emit pass.
type crashingStore struct{ store.Store }

func (crashingStore) EmitFieldSets(context.Context, int, func(store.FieldSet) ([]store.StageEvent, error)) (int, error) {
	return 0, errors.New("the server died")
}

// TestConnectionGroupSurvivesRestart: the server restarts between the
// group's two events, and again between the field set's completion and its
// emission; the restarted server still emits the group event, once.
func TestConnectionGroupSurvivesRestart(t *testing.T) {
	g := newGroupEnv(t, "")
	ctx := t.Context()
	g.deliver(t, g.a, `{"version":"1.0"}`)
	g.engine(g.st).enginePass(ctx)
	if err := g.st.Close(); err != nil { // the server stops mid-group
		t.Fatal(err)
	}

	g.open(t)
	if sets := g.fieldSets(t); len(sets) != 1 || sets[0].State != store.FieldSetPending || len(sets[0].Events) != 1 {
		t.Fatalf("after a restart: %+v; want the pending field set with a's event", sets)
	}
	g.deliver(t, g.b, `{"version":"1.0"}`)
	g.engine(crashingStore{g.st}).enginePass(ctx) // completes, then dies before emitting
	if q := g.queue(t); len(q) != 0 {
		t.Fatalf("the crashing server emitted %d events", len(q))
	}
	if err := g.st.Close(); err != nil {
		t.Fatal(err)
	}

	g.open(t)
	e := g.engine(g.st)
	e.enginePass(ctx)
	e.enginePass(ctx)
	if q := g.queue(t); len(q) != 1 {
		t.Fatalf("after the second restart the stage has %d events, want the one group event", len(q))
	}
}

// TestConnectionGroupRejections: an event without the groupBy field is not
// gathered, and the group records why; a source's other listeners still
// get it.
func TestConnectionGroupRejections(t *testing.T) {
	g := newGroupEnv(t, "")
	ctx := t.Context()
	ev := g.deliver(t, g.a, `{"other":"x"}`)
	g.engine(g.st).enginePass(ctx)
	if sets := g.fieldSets(t); len(sets) != 0 {
		t.Fatalf("an event without the field made field sets %+v", sets)
	}
	got, err := g.st.FindEvent(ctx, g.org, g.canvas, ev.ID)
	if err != nil || got.State != store.EventProcessed {
		t.Errorf("the event is %s, %v; want processed", got.State, err)
	}
	list, _, err := g.st.ListRejections(ctx, g.org, g.canvas, store.RejectionFilter{TargetType: api.ConnectionTypeConnectionGroup}, store.Page{})
	if err != nil || len(list) != 1 || list[0].TargetName != "join" || list[0].EventID != ev.ID {
		t.Fatalf("group rejections = %+v, %v; want one for join and the event", list, err)
	}
	if want := "groupBy field version has no value in the event from a"; list[0].Message != want {
		t.Errorf("rejection message %q, want %q", list[0].Message, want)
	}
}

// ListConnectionGroups: the corrupt-input tests' canvas has no groups.
func (s *corruptStore) ListConnectionGroups(context.Context, string, string) ([]store.ConnectionGroup, error) {
	return nil, nil
}

// TestConnectionGroupPrune: field sets that ended longer than the event
// retention ago go with the engine's pruning pass; one that ended since
// (here: timed out in the same pass) stays.
func TestConnectionGroupPrune(t *testing.T) {
	g := newGroupEnv(t, "")
	ctx := t.Context()
	e := New(g.st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), WithClock(g.now), WithEventRetention(24*time.Hour))
	g.deliver(t, g.a, `{"version":"old"}`)
	g.deliver(t, g.b, `{"version":"old"}`)
	g.deliver(t, g.a, `{"version":"waiting"}`)
	e.enginePass(ctx)
	if sets := g.fieldSets(t); len(sets) != 2 {
		t.Fatalf("field sets = %+v; want the complete one and the waiting one", sets)
	}
	g.advance(25 * time.Hour) // past the retention; the waiting one also timed out
	e.enginePass(ctx)         // times out (drop) the waiting one now: it ended just now
	sets := g.fieldSets(t)
	if len(sets) != 1 || sets[0].State != store.FieldSetDiscarded || sets[0].StateReason != store.FieldSetReasonTimeout {
		t.Fatalf("after the retention: %+v; want only the field set that ended just now", sets)
	}
}
