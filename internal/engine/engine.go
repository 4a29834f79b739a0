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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
	"github.com/superplane/terraform-provider-superplane/internal/refs"
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
	wake    chan struct{}
	// reconcileOrgs and reconcileBudget bound the reconciler (reconcile.go).
	reconcileOrgs   int
	reconcileBudget time.Duration
	now             func() time.Time
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

// WithClock sets the engine's clock (tests).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// New returns an engine over st that opens secrets with sl and logs to log.
func New(st store.Store, sl *sealer.Sealer, log *slog.Logger, opts ...Option) *Engine {
	e := &Engine{
		store: st, seal: sl, log: log, tools: &integration.Verifier{},
		baseURL: "http://127.0.0.1:8000", runner: executor.NewRunner(executor.Config{}),
		wake: make(chan struct{}, 1), now: time.Now,
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
}

// Engine defaults; see Config.
const (
	DefaultMaxRunning       = 64
	DefaultMaxRunningPerOrg = 4
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
	return c
}

// Wake asks the engine for a pass now (a new event, an approval) instead of
// at the next tick.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run routes events into stage queues, starts executions whose
// conditions hold and runs them, until ctx ends. Everything it coordinates
// on lives in the database, so several servers can run it side by side.
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
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		e.enginePass(ctx)
		e.claimExecutions(ctx, cfg, owner, slots, &running)
		select {
		case <-ctx.Done():
			running.Wait()
			return
		case <-t.C:
		case <-e.wake:
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
			return // every slot is busy; a finishing execution wakes the engine
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
		running.Add(1)
		go func() {
			defer running.Done()
			e.execute(ctx, cfg, owner, ex, ex.StartedAt.Before(now))
			<-slots
			e.Wake()
		}()
	}
}

func engineOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// enginePass routes pending events and advances every queue once.
func (e *Engine) enginePass(ctx context.Context) {
	for range 100 {
		// One listing of a canvas's stages serves all its events of a batch.
		stagesOf := map[string][]store.Stage{}
		n, err := e.store.RouteEvents(ctx, e.timestamp(), 100, func(ev store.Event) (_ []store.StageEvent, err error) {
			// A bug must cost one event, not the engine: a panic is this
			// event's error, and after a few the store sets it aside.
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("routing failed: %v", r)
				}
			}()
			return e.routeEvent(ctx, ev, stagesOf)
		})
		if err != nil {
			if ctx.Err() == nil {
				e.log.ErrorContext(ctx, "engine: routing events", slog.String("error", err.Error()))
			}
			break
		}
		if n < 100 {
			break
		}
	}
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

// recheckEvery is the longest a waiting queue head goes unexamined: an
// approval or an edit of its stage makes it due at once, a time window
// when it opens, and this bounds anything else (a clock step, a missed
// edit) at a cost of one look per waiting queue per period.
const recheckEvery = 10 * time.Minute

func parseSpec(st store.Stage) api.StageSpec {
	var spec api.StageSpec
	_ = json.Unmarshal(st.Spec, &spec)
	return spec
}

// routeEvent turns an accepted source event into the stage events of every
// stage of its canvas with a matching connection. stagesOf caches the
// stages by canvas for the batch being routed. An expression that exceeds
// its limits (or no longer compiles) rejects the event with the reason: the
// event goes everywhere it should or nowhere, visibly.
func (e *Engine) routeEvent(ctx context.Context, ev store.Event, stagesOf map[string][]store.Stage) ([]store.StageEvent, error) {
	key := ev.OrgID + "/" + ev.CanvasID
	stages, ok := stagesOf[key]
	if !ok {
		var err error
		if stages, err = e.store.ListStages(ctx, ev.OrgID, ev.CanvasID); err != nil {
			return nil, fmt.Errorf("listing the canvas's stages: %w", err)
		}
		stagesOf[key] = stages
	}
	var payload map[string]any
	_ = json.Unmarshal(ev.Raw, &payload)
	headers := map[string]string{}
	_ = json.Unmarshal(ev.Headers, &headers)
	trigger := store.StageEvent{
		TriggerSourceType: api.ConnectionTypeEventSource, TriggerSourceID: ev.SourceID, TriggerSourceName: ev.SourceName,
		TriggerEventID: ev.ID, TriggerType: ev.Type, TriggerPayload: ev.Raw, TriggerHeaders: ev.Headers,
	}
	out, err := e.matchStages(ctx, stages, api.ConnectionTypeEventSource, ev.SourceName, trigger, payload, headers)
	if err != nil {
		return nil, store.Reject(store.StateReasonError, err.Error())
	}
	return out, nil
}

// matchStages builds a stage event for every stage with a connection of
// type typ to name whose filters pass. The error names the first stage and
// expression that exceeded its limits or no longer compiles; the stage
// events of the other stages are returned with it.
func (e *Engine) matchStages(ctx context.Context, stages []store.Stage, typ, name string, trigger store.StageEvent, payload map[string]any, headers map[string]string) ([]store.StageEvent, error) {
	var out []store.StageEvent
	var firstErr error
	fail := func(st store.Stage, err error) {
		if firstErr == nil {
			firstErr = fmt.Errorf("stage %s: %w", st.Name, err)
		}
	}
	now := e.timestamp()
	for _, st := range stages {
		progs := stageProgramsOf(st)
		for i, conn := range progs.spec.Connections {
			if conn.Type != typ || conn.Name != name {
				continue
			}
			c := progs.conns[i]
			if c.err != nil {
				fail(st, c.err)
				break
			}
			ok, err := c.set.Match(payload, headers)
			if err != nil {
				fail(st, err)
				break
			}
			if !ok {
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
			se.Inputs, _ = json.Marshal(inputs)
			out = append(out, se)
			break
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
			if _, prev, err := e.store.LastExecution(ctx, st.ID, v.ValueFrom.LastExecution.Results); err == nil {
				var inputs []api.KeyValuePair
				_ = json.Unmarshal(prev.Inputs, &inputs)
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

// advance moves the head of a stage's queue: it waits for its conditions,
// or becomes an execution. stages caches the stages read in this batch.
func (e *Engine) advance(ctx context.Context, head store.StageEvent, stages map[string]store.Stage) {
	st, ok := stages[head.StageID]
	if !ok {
		var err error
		if st, err = e.store.FindStageByID(ctx, head.StageID); err != nil {
			return
		}
		stages[head.StageID] = st
	}
	spec := parseSpec(st)
	now := e.now().UTC()
	reason := blockedBy(spec, head, now)
	if reason != "" {
		recheck := now.Add(recheckEvery)
		if opens := nextWindowOpening(spec, now); reason == api.StageEventReasonTimeWindow && opens.Before(recheck) {
			recheck = opens
		}
		err := e.store.WaitStageEvent(ctx, head, st.Spec, reason, recheck)
		if err != nil && !errors.Is(err, store.ErrConflict) && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "engine: recording a waiting stage event", slog.String("stage", st.ID), slog.String("error", err.Error()))
		}
		return
	}
	ex := store.Execution{
		ID: uuid.NewString(), OrgID: head.OrgID, CanvasID: head.CanvasID, StageID: head.StageID, StageEventID: head.ID,
		State: store.ExecutionPending, CreatedAt: e.timestamp(),
	}
	if err := e.store.StartExecution(ctx, head.ID, ex); err != nil && !errors.Is(err, store.ErrConflict) {
		e.log.ErrorContext(ctx, "engine: starting an execution", slog.String("stage", st.ID), slog.String("error", err.Error()))
	}
}

// blockedBy returns the reason a stage event must wait at now (UTC), or "".
func blockedBy(spec api.StageSpec, ev store.StageEvent, now time.Time) string {
	for _, c := range spec.Conditions {
		switch c.Type {
		case api.ConditionTypeApproval:
			var approvals []api.StageEventApproval
			_ = json.Unmarshal(ev.Approvals, &approvals)
			if c.Approval != nil && int64(len(approvals)) < c.Approval.Count {
				return api.StageEventReasonApproval
			}
		case api.ConditionTypeTimeWindow:
			if c.TimeWindow != nil && !inWindow(*c.TimeWindow, now) {
				return api.StageEventReasonTimeWindow
			}
		}
	}
	return ""
}

// inWindow reports whether t (UTC) falls in the window; a window whose end
// is before its start spans midnight.
func inWindow(w api.ConditionTimeWindow, t time.Time) bool {
	if len(w.WeekDays) > 0 && !slices.Contains(w.WeekDays, strings.ToLower(t.Weekday().String())) {
		return false
	}
	minutes := func(hhmm string) int {
		var h, m int
		_, _ = fmt.Sscanf(hhmm, "%d:%d", &h, &m)
		return h*60 + m
	}
	start, end, now := minutes(w.Start), minutes(w.End), t.Hour()*60+t.Minute()
	if start <= end {
		return now >= start && now < end
	}
	return now >= start || now < end
}

// nextWindowOpening returns the first minute after now (UTC) at which every
// time window of spec holds, looking a little over a week ahead; without
// one, now + recheckEvery. A window opens at its start time or, for a
// window spanning midnight or limited to weekdays, at a midnight, so only
// those instants are tried.
func nextWindowOpening(spec api.StageSpec, now time.Time) time.Time {
	var windows []api.ConditionTimeWindow
	for _, c := range spec.Conditions {
		if c.Type == api.ConditionTypeTimeWindow && c.TimeWindow != nil {
			windows = append(windows, *c.TimeWindow)
		}
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var candidates []time.Time
	for d := range 9 {
		midnight := day.AddDate(0, 0, d)
		candidates = append(candidates, midnight)
		for _, w := range windows {
			var h, m int
			_, _ = fmt.Sscanf(w.Start, "%d:%d", &h, &m)
			candidates = append(candidates, midnight.Add(time.Duration(h)*time.Hour+time.Duration(m)*time.Minute))
		}
	}
	slices.SortFunc(candidates, func(a, b time.Time) int { return a.Compare(b) })
	for _, c := range candidates {
		if !c.After(now) {
			continue
		}
		open := true
		for _, w := range windows {
			open = open && inWindow(w, c)
		}
		if open {
			return c
		}
	}
	return now.Add(recheckEvery)
}

// execute runs one claimed execution to its end. Secrets are decrypted
// here, at the last moment, and every value is redacted from whatever is
// written down.
func (e *Engine) execute(ctx context.Context, cfg Config, owner string, ex store.Execution, resumed bool) {
	log := e.log.With(slog.String("execution", ex.ID), slog.String("stage", ex.StageID))
	var secretValues []string
	finish := func(result, reason, message string, outputs []api.OutputValue, resources []byte) {
		ex.State, ex.Result, ex.ResultReason = store.ExecutionFinished, result, reason
		// Masked first, then clipped: a clip never shows a secret's start.
		ex.ResultMessage = redact.New(secretValues...).Clip(message, executor.MaxMessage)
		for i := range outputs {
			outputs[i].Value = executor.Redact(outputs[i].Value, secretValues)
		}
		ex.Outputs, _ = json.Marshal(outputs)
		if resources != nil {
			ex.Resources = []byte(executor.Redact(string(resources), secretValues))
		}
		ex.FinishedAt = e.timestamp()
		if result == api.ResultCancelled {
			ex.CancelledAt = ex.FinishedAt
		}
		downstream := e.downstream(ctx, ex, outputs)
		if err := e.store.FinishExecution(ctx, ex, owner, downstream); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "engine: recording the end of an execution", slog.String("error", err.Error()))
		}
		log.InfoContext(ctx, "execution finished", slog.String("result", result), slog.String("reason", reason))
	}

	st, err := e.store.FindStageByID(ctx, ex.StageID)
	if err != nil {
		return
	}
	spec := parseSpec(st)
	ev, err := e.store.FindStageEvent(ctx, ex.OrgID, ex.CanvasID, ex.StageID, ex.StageEventID)
	if err != nil {
		finish(api.ResultFailed, api.ResultReasonError, "the stage event is gone", nil, nil)
		return
	}
	if ex.CancelRequested {
		finish(api.ResultCancelled, api.ResultReasonUser, "cancelled", nil, nil)
		return
	}
	var resources []executor.Resource
	_ = json.Unmarshal(ex.Resources, &resources)
	if resumed && spec.Executor.Type == api.ExecutorHTTP && !spec.DryRun {
		// The request may or may not have reached the receiver; sending it
		// again could act twice. Fail it visibly instead.
		finish(api.ResultFailed, api.ResultReasonError, "the server stopped during the HTTP request; it was not sent again", nil, nil)
		return
	}

	inputs := map[string]string{}
	var pairs []api.KeyValuePair
	_ = json.Unmarshal(ev.Inputs, &pairs)
	for _, p := range pairs {
		inputs[p.Name] = p.Value
	}
	secrets := map[string]string{}
	for _, def := range spec.Secrets {
		if def.ValueFrom == nil || def.ValueFrom.Secret == nil {
			continue
		}
		sec, err := refs.StageSecret(ctx, e.store, ex.OrgID, ex.CanvasID, def.ValueFrom.Secret)
		if err != nil {
			finish(api.ResultFailed, api.ResultReasonError, fmt.Sprintf("secret %s: %v", def.Name, err), nil, nil)
			return
		}
		data, err := e.seal.OpenSecret(sec.ID, sec.Ciphertext)
		if err != nil {
			finish(api.ResultFailed, api.ResultReasonError, fmt.Sprintf("secret %s cannot be decrypted", def.Name), nil, nil)
			return
		}
		secrets[def.Name] = data[def.ValueFrom.Secret.Key]
		secretValues = append(secretValues, data[def.ValueFrom.Secret.Key])
		clear(data)
	}
	rendered, err := executor.Render(spec.Executor.Spec, inputs, secrets)
	if err != nil {
		finish(api.ResultFailed, api.ResultReasonError, "rendering the executor spec: "+err.Error(), nil, nil)
		return
	}
	req := executor.Request{
		ExecutionID: ex.ID, StageID: ex.StageID, Type: spec.Executor.Type, Spec: rendered,
		DryRun: spec.DryRun, Resources: resources, Secrets: secretValues,
	}
	if spec.Executor.Integration != nil && spec.Executor.Integration.Name != "" && !spec.DryRun {
		in, token, err := e.integrationToken(ctx, ex.OrgID, ex.CanvasID, spec.Executor.Integration)
		if err != nil {
			finish(api.ResultFailed, api.ResultReasonError, err.Error(), nil, nil)
			return
		}
		secretValues = append(secretValues, token)
		req.IntegrationURL, req.Token = in.URL, token
		if spec.Executor.Resource != nil {
			req.ResourceName = spec.Executor.Resource.Name
		}
	}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	progress := func(pctx context.Context, rs []executor.Resource) bool {
		b, _ := json.Marshal(rs)
		cancel, err := e.store.RenewLease(pctx, ex.ID, owner, e.timestamp().Add(cfg.Lease), []byte(executor.Redact(string(b), secretValues)))
		if errors.Is(err, store.ErrConflict) {
			// Another server took over (our lease expired): stop here.
			cancelRun()
			return true
		}
		return cancel
	}
	// Keep the lease alive even when an executor is quiet for a while.
	go func() {
		t := time.NewTicker(cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if _, err := e.store.RenewLease(runCtx, ex.ID, owner, e.timestamp().Add(cfg.Lease), nil); errors.Is(err, store.ErrConflict) {
					cancelRun()
					return
				}
			}
		}
	}()
	out := e.runner.Run(runCtx, req, progress)
	clear(secrets)
	if runCtx.Err() != nil && ctx.Err() == nil && out.Result == "" {
		return // the lease was lost: the new owner finishes it
	}
	if ctx.Err() != nil {
		return // shutting down: the lease expires and another start resumes it
	}
	outputs := []api.OutputValue{}
	var missing []string
	for _, def := range spec.Outputs {
		v, ok := out.Outputs[def.Name]
		if ok {
			outputs = append(outputs, api.OutputValue{Name: def.Name, Value: v})
		} else if def.Required {
			missing = append(missing, def.Name)
		}
	}
	resBytes, _ := json.Marshal(out.Resources)
	if out.Result == api.ResultPassed && len(missing) > 0 {
		finish(api.ResultFailed, api.ResultReasonMissingOutputs, "missing required outputs: "+strings.Join(missing, ", "), outputs, resBytes)
		return
	}
	reason := out.Reason
	if reason == "" {
		reason = api.ResultReasonOK
	}
	finish(out.Result, reason, out.Message, outputs, resBytes)
}

// integrationToken finds a stage executor's integration (the canvas's own
// first, then the organization's) and decrypts its token for one run.
func (e *Engine) integrationToken(ctx context.Context, orgID, canvasID string, ref *api.IntegrationRef) (store.Integration, string, error) {
	domains := [][2]string{{store.DomainCanvas, canvasID}, {store.DomainOrganization, orgID}}
	switch ref.DomainType {
	case api.DomainTypeCanvas:
		domains = domains[:1]
	case api.DomainTypeOrganization:
		domains = domains[1:]
	}
	for _, d := range domains {
		in, err := e.store.FindIntegration(ctx, orgID, d[0], d[1], ref.Name)
		if err != nil {
			continue
		}
		_, token, err := e.hooks.Token(ctx, orgID, in.ID)
		if err != nil {
			return in, "", err
		}
		return in, token, nil
	}
	return store.Integration{}, "", fmt.Errorf("integration %s not found", ref.Name)
}

// downstream builds the stage events a finished execution triggers in the
// stages connected to its stage.
func (e *Engine) downstream(ctx context.Context, ex store.Execution, outputs []api.OutputValue) []store.StageEvent {
	st, err := e.store.FindStageByID(ctx, ex.StageID)
	if err != nil {
		return nil
	}
	stages, err := e.store.ListStages(ctx, ex.OrgID, ex.CanvasID)
	if err != nil {
		return nil
	}
	outs := map[string]any{}
	for _, o := range outputs {
		outs[o.Name] = o.Value
	}
	payload := map[string]any{
		"stageId": st.ID, "stageName": st.Name, "executionId": ex.ID,
		"result": ex.Result, "resultReason": ex.ResultReason, "outputs": outs,
	}
	raw, _ := json.Marshal(payload)
	trigger := store.StageEvent{
		TriggerSourceType: api.ConnectionTypeStage, TriggerSourceID: st.ID, TriggerSourceName: st.Name,
		TriggerEventID: ex.ID, TriggerType: "execution_finished", TriggerPayload: raw, TriggerHeaders: []byte("{}"),
	}
	var normalized map[string]any
	_ = json.Unmarshal(raw, &normalized)
	out, err := e.matchStages(ctx, stages, api.ConnectionTypeStage, st.Name, trigger, normalized, map[string]string{})
	if err != nil {
		// No source event to reject here: the stages whose expressions
		// failed get nothing, the others their stage events.
		e.log.WarnContext(ctx, "engine: a downstream stage's expression failed", slog.String("execution", ex.ID), slog.String("error", err.Error()))
	}
	return out
}
