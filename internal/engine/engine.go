// Package engine is the control plane's background work: it routes
// accepted events into stage queues, advances queues whose conditions hold,
// claims and runs executions, and reconciles the webhooks provisioned on
// tools. It has no HTTP in it; the API wakes it through Wake when something
// it waits for happened (a new event, an approval).
//
// Everything it coordinates on lives in the database, so any number of
// servers can run it side by side.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Engine routes events, advances queues, runs executions and reconciles
// webhooks. Create it with New; Run and RunReconciler do the work.
type Engine struct {
	store store.Store
	seal  *sealer.Sealer
	log   *slog.Logger
	// tools provisions webhooks for the reconciler; hooks is built on it.
	tools   *integration.Verifier
	hooks   *hooks.Provisioner
	baseURL string
	runner  *executor.Runner
	// wake starts Run's next pass of the queues (claims follow it),
	// routeWake the routing loop's next pass (Wake sends both).
	wake      chan struct{}
	routeWake chan struct{}
	// claimWake starts Run's claim loop's next round (claimLoop).
	claimWake chan struct{}
	// run is Run's slots, for the routing workers' claims (routeclaim.go;
	// nil outside Run), and claimStarved whether the claim loop last
	// found every slot busy.
	run          atomic.Pointer[runSlots]
	claimStarved atomic.Bool
	// reconcileOrgs and reconcileBudget bound the reconciler (reconcile.go).
	reconcileOrgs   int
	reconcileBudget time.Duration
	now             func() time.Time
	// prunedAt is when this engine last pruned rejections and events
	// (alerts.go, retention.go).
	pruneMu  sync.Mutex
	prunedAt time.Time
	// eventRetention is how long events and stage history are kept; 0
	// keeps them forever.
	eventRetention time.Duration
	// auditRetention is how long audit records are kept; 0 keeps them
	// forever (audit.go).
	auditRetention time.Duration
	// metrics records executions and the reconciler's checks (nil: nowhere).
	metrics *metrics.Metrics
	// stageSets keeps canvases' stages between routing batches while
	// their version holds (stagesets.go).
	stageSets stageSets
	// routeTurns orders the routing workers' batches (routing.go), and
	// routeBatch is how many events a batch claims (routeBatch; tests
	// make it smaller).
	routeTurns routeTurns
	routeBatch int
	// backlog makes receivers yield to routing when their organization
	// is behind (backlog.go).
	backlog routeBacklog
}

// Option configures an Engine.
type Option func(*Engine)

// WithTools sets how the reconciler talks to GitHub and Semaphore (base
// URLs for GitHub Enterprise, or fakes in tests).
func WithTools(v *integration.Verifier) Option { return func(e *Engine) { e.tools = v } }

// WithBaseURL sets the public URL the server is reached at; the webhook URLs
// the reconciler gives to tools start with it.
func WithBaseURL(u string) Option { return func(e *Engine) { e.baseURL = strings.TrimSuffix(u, "/") } }

// WithExecutors configures how stages run their executors.
func WithExecutors(cfg executor.Config) Option {
	return func(e *Engine) { e.runner = executor.NewRunner(cfg) }
}

// WithEventRetention sets how long events, and the processed stage events
// and finished executions older than them, are kept (DefaultEventRetention
// in serve); 0, the engine's default, keeps them forever.
func WithEventRetention(d time.Duration) Option {
	return func(e *Engine) { e.eventRetention = max(d, 0) }
}

// WithMetrics sets where executions and the reconciler's checks are
// recorded (default, or nil: nowhere).
func WithMetrics(m *metrics.Metrics) Option { return func(e *Engine) { e.metrics = m } }

// WithClock sets the engine's clock (tests).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// New returns an engine over st that opens secrets with sl and logs to log.
func New(st store.Store, sl *sealer.Sealer, log *slog.Logger, opts ...Option) *Engine {
	e := &Engine{
		store: st, seal: sl, log: log, tools: &integration.Verifier{},
		baseURL: "http://127.0.0.1:8000", runner: executor.NewRunner(executor.Config{}),
		wake: make(chan struct{}, 1), routeWake: make(chan struct{}, 1), claimWake: make(chan struct{}, 1), now: time.Now,
		routeBatch: routeBatch,
	}
	for _, o := range opts {
		o(e)
	}
	e.hooks = &hooks.Provisioner{Store: st, Sealer: sl, Tools: e.tools, BaseURL: e.baseURL, Now: e.now}
	return e
}

// timestamp is now at the precision both databases keep.
func (e *Engine) timestamp() time.Time {
	return e.now().UTC().Truncate(time.Microsecond)
}

// Config tunes the execution engine.
type Config struct {
	// Interval between passes when nothing wakes the engine (default 1s).
	Interval time.Duration
	// MaxRunning bounds the executions this server runs at once (default
	// 64). Each runs in its own goroutine: an execution waiting on a slow
	// tool holds one of many slots, not one of a few workers.
	MaxRunning int
	// MaxRunningPerOrg bounds an organization's running executions across
	// all servers (default 4; negative: no cap), so that one organization's
	// backlog or hung executions cannot take every slot.
	MaxRunningPerOrg int
	// Lease is how long a claimed execution belongs to this server without
	// renewal; after a crash another server resumes it once it expires
	// (default 30s).
	Lease time.Duration
	// RouteWorkers is how many routing loops this server runs (default
	// 2). Their batches are matched and committed in the order they were
	// claimed (routeTurns), so a second one overlaps a batch's claim and
	// matching with the previous batch's routing transaction; more than
	// two only wait for their turns. 1 routes one batch at a time.
	RouteWorkers int
}

// Engine defaults; see Config.
const (
	DefaultMaxRunning       = 64
	DefaultMaxRunningPerOrg = 4
	DefaultRouteWorkers     = 2
)

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.MaxRunning <= 0 {
		c.MaxRunning = DefaultMaxRunning
	}
	switch {
	case c.MaxRunningPerOrg == 0:
		c.MaxRunningPerOrg = DefaultMaxRunningPerOrg
	case c.MaxRunningPerOrg < 0:
		c.MaxRunningPerOrg = 0 // the store's "no cap"
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.RouteWorkers <= 0 {
		c.RouteWorkers = DefaultRouteWorkers
	}
	return c
}

// Wake asks the engine for a pass now (a new event, an approval) instead of
// at the next tick: of its routing and of its queues.
func (e *Engine) Wake() {
	select {
	case e.routeWake <- struct{}{}:
	default:
	}
	e.wakeAdvance()
}

// WakeRouting asks for a routing pass now (a new event), not for a pass of
// the queues: routing wakes those when it queued something.
func (e *Engine) WakeRouting() {
	select {
	case e.routeWake <- struct{}{}:
	default:
	}
}

// wakeAdvance asks for a pass of the queues and claims now: routing put
// events in stage queues, or an execution finished.
func (e *Engine) wakeAdvance() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// wakeClaim asks Run's claim loop to claim executions now.
func (e *Engine) wakeClaim() {
	select {
	case e.claimWake <- struct{}{}:
	default:
	}
}

// Run routes events into stage queues, starts executions whose
// conditions hold and runs them, until ctx ends. Everything it coordinates
// on lives in the database, so several servers can run it side by side;
// routing runs in a loop of its own (routeLoop) for the same reason, and so
// do the claims (claimLoop).
//
// Each claimed execution runs in its own goroutine, at most cfg.MaxRunning
// at once; the store's per-organization cap decides whose executions are
// claimed. When ctx ends, Run waits for the running executions to
// stop (they see ctx too) and returns.
func (e *Engine) Run(ctx context.Context, cfg Config) {
	cfg = cfg.withDefaults()
	owner := engineOwner()
	var running sync.WaitGroup
	slots := make(chan struct{}, cfg.MaxRunning)
	run := &runSlots{cfg: cfg, owner: owner, slots: slots, running: &running}
	e.run.Store(run)
	var routing sync.WaitGroup
	for range cfg.RouteWorkers {
		routing.Go(func() { e.routeLoop(ctx, cfg.Interval) })
	}
	claiming := make(chan struct{})
	go func() {
		defer close(claiming)
		e.claimLoop(ctx, cfg, owner, slots, &running)
	}()
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		e.advancePass(ctx)
		// Claims follow every pass, as when this loop made them itself.
		e.wakeClaim()
		select {
		case <-ctx.Done():
			// No execution starts after these (routing starts those it
			// claimed), so running is waited for last.
			<-claiming
			routing.Wait()
			e.run.CompareAndSwap(run, nil)
			running.Wait()
			return
		case <-t.C:
		case <-e.wake:
		}
	}
}

// claimLoop claims executions in a loop of its own, until ctx ends: an
// execution started by routing (store.StageEvent.StartIfFree) waits for
// one claim transaction, not for the queue advance's walk of every stage
// that Run's loop may be in (under load, woken by every finish). It claims
// when woken (wakeClaim: routing started executions, a pass advanced
// queues, an execution finished and freed its slot) and at each tick (a
// lease that ran out).
func (e *Engine) claimLoop(ctx context.Context, cfg Config, owner string, slots chan struct{}, running *sync.WaitGroup) {
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		e.claimExecutions(ctx, cfg, owner, slots, running)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.claimWake:
		}
	}
}

// claimExecutions claims executions while this server has free slots and
// the store has claimable ones, and runs each in its own goroutine.
func (e *Engine) claimExecutions(ctx context.Context, cfg Config, owner string, slots chan struct{}, running *sync.WaitGroup) {
	for ctx.Err() == nil { // bounded: each round takes one of cap(slots) slots or returns
		select {
		case slots <- struct{}{}:
		default:
			// Every slot is busy; a finishing execution, or a routing
			// batch handing back slots it reserved, wakes the claims.
			e.claimStarved.Store(true)
			return
		}
		now := e.timestamp()
		ex, ok, err := e.store.ClaimExecution(ctx, owner, now, now.Add(cfg.Lease), cfg.MaxRunningPerOrg)
		if err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "engine: claiming an execution", slog.String("error", err.Error()))
		}
		if !ok {
			<-slots
			return
		}
		e.runClaimed(ctx, cfg, owner, slots, running, ex, ex.StartedAt.Before(now))
	}
}

func engineOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// enginePass routes pending events and advances every queue once, one
// after the other (Run runs the two in their own loops; tests drive them
// step by step with this).
func (e *Engine) enginePass(ctx context.Context) {
	if e.routePass(ctx, true, nil) {
		e.Wake()
	}
	e.advancePass(ctx)
}

// advancePass checks connection groups, prunes, and advances every queue
// once.
func (e *Engine) advancePass(ctx context.Context) {
	e.groupPass(ctx)
	e.prune(ctx)
	// Queues whose head waits for an approval or a time window are not in
	// the batch (the store passes over them until their recheck time), and
	// organizations take turns in it; a full batch is followed by another,
	// so a burst of new queue heads is all looked at in one pass.
	for range maxHeadBatches {
		heads, err := e.store.QueueHeads(ctx, e.timestamp(), headBatch)
		if err != nil {
			if ctx.Err() == nil {
				e.log.ErrorContext(ctx, "engine: reading queues", slog.String("error", err.Error()))
			}
			return
		}
		stages := map[string]store.Stage{}
		for _, head := range heads {
			e.advance(ctx, head, stages)
		}
		if len(heads) < headBatch {
			return
		}
	}
}

// The engine reads queue heads in batches of headBatch, at most
// maxHeadBatches a pass.
const (
	headBatch      = 500
	maxHeadBatches = 10
)

// stageSpec is the one place the engine decodes a stage's spec. A spec
// that does not decode is an error naming the stage, never an empty spec: an
// empty one would have no conditions and no connections.
func stageSpec(st store.Stage) (api.StageSpec, error) {
	return store.DecodeJSON[api.StageSpec]("stage", st.ID, "spec", st.Spec)
}

// routeEvent turns an accepted source event into the stage events of every
// stage of its canvas with a matching connection. stagesOf caches the
// stages by canvas for the batch being routed. An expression that exceeds
// its limits (or no longer compiles) rejects the event with the reason: the
// event goes everywhere it should or nowhere, visibly.
//
// It runs before the routing transaction (store.RouteEventsBatch), which
// writes its stage events only while the stages version it returns holds.
func (e *Engine) routeEvent(ctx context.Context, ev store.Event, stagesOf map[string]versionedStages, f *findings) ([]store.StageEvent, versionedStages, error) {
	key := ev.OrgID + "/" + ev.CanvasID
	set, ok := stagesOf[key]
	if !ok {
		var err error
		if ev.StagesVersionKnown {
			// Read by the claim, in the statement that leased the event.
			set, err = e.stageSets.stagesAtVersion(ctx, e.store, ev.OrgID, ev.CanvasID, ev.StagesVersion)
		} else {
			set, err = e.stageSets.stagesAt(ctx, e.store, ev.OrgID, ev.CanvasID)
		}
		if err != nil {
			return nil, set, err
		}
		stagesOf[key] = set
	}
	stages := set.stages
	// An event whose payload or headers do not decode is rejected with the
	// store's error, which names the field: judged empty, it could match
	// filters it does not pass.
	payload, err := ev.DecodeRaw()
	if err != nil {
		return nil, set, store.Reject(store.StateReasonError, err.Error())
	}
	headers, err := ev.DecodeHeaders()
	if err != nil {
		return nil, set, store.Reject(store.StateReasonError, err.Error())
	}
	if headers == nil {
		headers = map[string]string{}
	}
	trigger := store.StageEvent{
		TriggerSourceType: api.ConnectionTypeEventSource, TriggerSourceID: ev.SourceID, TriggerSourceName: ev.SourceName,
		TriggerEventID: ev.ID, TriggerType: ev.Type, TriggerPayload: ev.Raw, TriggerHeaders: ev.Headers,
	}
	out, err := e.matchStages(ctx, stages, set.progs, api.ConnectionTypeEventSource, ev.SourceName, trigger, payload, headers, f)
	if err != nil {
		// The event goes nowhere: the stages that would have taken it are
		// told why too.
		now := e.timestamp()
		for _, se := range out {
			for _, st := range stages {
				if st.ID == se.StageID {
					f.reject(st, trigger, api.RejectionReasonError, "the event was rejected: "+err.Error(), now)
				}
			}
		}
		return nil, set, store.Reject(store.StateReasonError, err.Error())
	}
	return out, set, nil
}

// matchStages builds a stage event for every stage with a connection of
// type typ to name whose filters pass. The error names the first stage and
// expression that exceeded its limits or no longer compiles; the stage
// events of the other stages are returned with it. f receives a rejection
// for each connected stage that did not take the event (its filters, or an
// error, which is also an alert). progsOf, when not nil, holds the
// stages' compiled programs, progsOf[i] of stages[i] (versionedStages.progs).
func (e *Engine) matchStages(ctx context.Context, stages []store.Stage, progsOf []*stagePrograms, typ, name string, trigger store.StageEvent, payload map[string]any, headers map[string]string, f *findings) ([]store.StageEvent, error) {
	var out []store.StageEvent
	var firstErr error
	var filteredMsg, filteredMsgFor string
	// One evaluation environment for the event's filters on every stage
	// (filter.Evaluator), made at the first filter.
	var eval *filter.Evaluator
	defer func() { eval.Close() }()
	now := e.timestamp()
	if f != nil {
		f.stages = len(stages)
	}
	fail := func(st store.Stage, err error) {
		err = fmt.Errorf("stage %s: %w", st.Name, err)
		if firstErr == nil {
			firstErr = err
		}
		f.reject(st, trigger, api.RejectionReasonError, err.Error(), now)
		f.alert(st, store.AlertKindExpression, err.Error(), nil, now)
	}
	for si, st := range stages {
		var progs *stagePrograms
		if progsOf != nil {
			progs = progsOf[si]
		} else {
			progs = stageProgramsOf(st)
		}
		if progs.specErr != nil {
			// Nothing can be said about a stage whose spec does not decode:
			// it gets no stage event, and the others still do.
			e.log.ErrorContext(ctx, "engine: a stage's spec does not decode; routing skips it", slog.String("stage", st.ID), slog.String("error", progs.specErr.Error()))
			continue
		}
		filteredBy := ""
		for i, conn := range progs.spec.Connections {
			if conn.Type != typ || conn.Name != name {
				continue
			}
			filteredBy = ""
			c := progs.conns[i]
			if c.err != nil {
				fail(st, c.err)
				break
			}
			if eval == nil {
				eval = filter.NewEvaluator(payload, headers)
			}
			ok, err := eval.Match(c.set)
			if err != nil {
				fail(st, err)
				break
			}
			if !ok {
				filteredBy = conn.Name
				continue
			}
			inputs, err := e.resolveInputs(ctx, st, progs, conn.Name, payload, headers)
			if err != nil {
				fail(st, err)
				break
			}
			se := trigger
			se.ID, se.OrgID, se.CanvasID, se.StageID = uuid.NewString(), st.OrgID, st.CanvasID, st.ID
			se.Connection, se.State, se.CreatedAt = conn.Name, store.StageEventPending, now
			se.Approvals = []byte("[]")
			// A stage without conditions starts its execution in the
			// routing transaction when it is free (store.StartIfFree).
			se.StartIfFree = len(progs.spec.Conditions) == 0
			se.Inputs, _ = json.Marshal(inputs)
			out = append(out, se)
			break
		}
		if filteredBy != "" {
			// Every stage an event does not pass gets the same message (the
			// connection is the source's name): made once per event.
			if filteredBy != filteredMsgFor {
				filteredMsg, filteredMsgFor = filteredMessage(trigger, filteredBy), filteredBy
			}
			f.reject(st, trigger, api.RejectionReasonFiltered, filteredMsg, now)
		}
	}
	return out, firstErr
}

// resolveInputs computes a new stage event's inputs with the mapping for
// its connection (or the one without a trigger). An expression failing as
// usual (a missing field) gives ""; one exceeding its limits, or no longer
// compiling, is an error.
func (e *Engine) resolveInputs(ctx context.Context, st store.Stage, progs *stagePrograms, connection string, payload map[string]any, headers map[string]string) ([]api.KeyValuePair, error) {
	spec := progs.spec
	mapping := -1
	for i, m := range spec.InputMappings {
		when := ""
		if m.When != nil && m.When.TriggeredBy != nil {
			when = m.When.TriggeredBy.Connection
		}
		if when == connection {
			mapping = i
			break
		}
		if when == "" && mapping < 0 {
			mapping = i
		}
	}
	out := []api.KeyValuePair{}
	if mapping < 0 {
		return out, nil
	}
	for j, v := range spec.InputMappings[mapping].Values {
		value := v.Value
		switch {
		case v.ValueFrom == nil:
		case v.ValueFrom.EventData != nil:
			c := progs.values[[2]int{mapping, j}]
			if c.err != nil {
				return nil, c.err
			}
			var err error
			if value, err = filter.Value(c.prog, payload, headers); errors.Is(err, filter.ErrLimit) {
				return nil, fmt.Errorf("stage.spec.inputMappings[%d].values[%d].valueFrom.eventData.expression: %w", mapping, j, err)
			}
		case v.ValueFrom.LastExecution != nil:
			// Read now, at match time, through the store (routing runs
			// before its transaction): an execution finishing between the
			// match and the write is seen by the next event, as one
			// finishing just after the routing would be.
			if _, prev, err := e.store.LastExecution(ctx, st.ID, v.ValueFrom.LastExecution.Results); err == nil {
				inputs, err := prev.DecodeInputs()
				if err != nil {
					return nil, fmt.Errorf("stage.spec.inputMappings[%d].values[%d].valueFrom.lastExecution: %w", mapping, j, err)
				}
				for _, in := range inputs {
					if in.Name == v.Name {
						value = in.Value
					}
				}
			}
		}
		out = append(out, api.KeyValuePair{Name: v.Name, Value: value})
	}
	return out, nil
}
