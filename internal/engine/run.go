package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
	"github.com/superplane/terraform-provider-superplane/internal/refs"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// execute runs one claimed execution to its end. Secrets are decrypted
// here, at the last moment, and every value is redacted from whatever is
// written down.
func (e *Engine) execute(ctx context.Context, cfg Config, owner string, ex store.Execution, resumed bool) {
	log := e.log.With(slog.String("execution", ex.ID), slog.String("stage", ex.StageID))
	// The lease is kept from the claim on, not only while the executor
	// runs: what comes first (the stage and its secrets read, a cloud
	// token exchange of up to outbound.DefaultTimeout) can outlast it, and
	// a claim would then take the execution as resumed and fail an http
	// stage ("the server stopped during the HTTP request") while this run
	// went on to send it.
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	go e.keepLease(runCtx, cancelRun, cfg, ex, owner)
	var secretValues []string
	// executorType is the stage's, once its spec is read: the label of the
	// execution's metrics.
	executorType := "unknown"
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
		if err := e.finishExecution(ctx, ex, owner, downstream, outputs); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "engine: recording the end of an execution", slog.String("error", err.Error()))
		}
		log.InfoContext(ctx, "execution finished", slog.String("result", result), slog.String("reason", reason))
		var took time.Duration
		if !ex.StartedAt.IsZero() {
			took = ex.FinishedAt.Sub(ex.StartedAt)
		}
		e.metrics.Execution(executorType, result, took)
	}

	st, err := e.store.FindStageByID(ctx, ex.StageID)
	if err != nil {
		return
	}
	// fail ends the execution on an error on SuperPlane's side, before
	// anything ran on a tool, and raises an alert of kind about the stage
	// with the same masked message.
	fail := func(kind, message string) {
		finish(api.ResultFailed, api.ResultReasonError, message, nil, nil)
		f := &findings{}
		f.alert(st, kind, ex.ResultMessage, secretValues, ex.FinishedAt)
		e.write(ctx, f)
	}
	spec, err := stageSpec(st)
	if err != nil {
		fail(store.AlertKindExecutorSpec, err.Error())
		return
	}
	executorType = spec.Executor.Type
	ev, err := e.store.FindStageEvent(ctx, ex.OrgID, ex.CanvasID, ex.StageID, ex.StageEventID)
	if err != nil {
		fail(store.AlertKindRunError, "the stage event is gone")
		return
	}
	if ex.CancelRequested {
		finish(api.ResultCancelled, api.ResultReasonUser, "cancelled", nil, nil)
		return
	}
	// What the executor started, or the inputs, not decoding fail the
	// execution with the store's error naming the field: run without them,
	// it could start a second workflow, or run with inputs missing.
	stored, err := ex.DecodeResources()
	if err != nil {
		finish(api.ResultFailed, api.ResultReasonError, err.Error(), nil, nil)
		return
	}
	pairs, err := ev.DecodeInputs()
	if err != nil {
		finish(api.ResultFailed, api.ResultReasonError, err.Error(), nil, nil)
		return
	}
	resources := resourcesFromStore(stored)
	if resumed && spec.Executor.Type == api.ExecutorHTTP && !spec.DryRun {
		// The request may or may not have reached the receiver; sending it
		// again could act twice. Fail it visibly instead.
		finish(api.ResultFailed, api.ResultReasonError, "the server stopped during the HTTP request; it was not sent again", nil, nil)
		return
	}

	inputs := map[string]string{}
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
			fail(store.AlertKindMissingSecret, fmt.Sprintf("secret %s: %v", def.Name, err))
			// The stage's event did not run as asked: a rejection says so
			// where a user looks for why a stage did not run.
			f := &findings{}
			f.reject(st, ev, api.RejectionReasonError, ex.ResultMessage, ex.FinishedAt)
			e.write(ctx, f)
			return
		}
		data, err := e.seal.OpenSecret(sec.ID, sec.Ciphertext)
		if err != nil {
			fail(store.AlertKindMissingSecret, fmt.Sprintf("secret %s cannot be decrypted", def.Name))
			return
		}
		secrets[def.Name] = data[def.ValueFrom.Secret.Key]
		secretValues = append(secretValues, data[def.ValueFrom.Secret.Key])
		clear(data)
	}
	rendered, err := executor.Render(spec.Executor.Spec, inputs, secrets)
	if err != nil {
		fail(store.AlertKindExecutorSpec, "rendering the executor spec: "+err.Error())
		return
	}
	if !spec.DryRun {
		if err := executor.CheckRendered(spec.Executor.Type, rendered); err != nil {
			fail(store.AlertKindExecutorSpec, "the rendered executor spec: "+err.Error())
			return
		}
	}
	req := executor.Request{
		ExecutionID: ex.ID, StageID: ex.StageID, Type: spec.Executor.Type, Spec: rendered,
		DryRun: spec.DryRun, Resources: resources, Secrets: secretValues,
	}
	signed := false
	if spec.Executor.Integration != nil && spec.Executor.Integration.Name != "" && !spec.DryRun && spec.Executor.Type == api.ExecutorHTTP {
		// An http stage naming a cloud integration has its request signed
		// (cloudsign.go); other integrations an http stage names are only
		// masked, as before.
		if in, err := e.stageIntegration(ctx, ex.OrgID, ex.CanvasID, spec.Executor.Integration); err == nil {
			if _, ok := cloudTypes.CloudSigner(in.Type); ok {
				signed = true
				var values []string
				req.Sign, values, err = e.cloudSigner(ctx, in, st, ex.CanvasID, rendered)
				secretValues = append(secretValues, values...)
				req.Secrets = append(req.Secrets, values...)
				if err != nil {
					fail(store.AlertKindIntegrationUnusable, err.Error())
					return
				}
			}
		}
	}
	if !signed && spec.Executor.Integration != nil && spec.Executor.Integration.Name != "" && !spec.DryRun {
		in, token, err := e.integrationToken(ctx, ex.OrgID, ex.CanvasID, spec.Executor.Integration)
		if err != nil {
			fail(store.AlertKindIntegrationUnusable, err.Error())
			return
		}
		secretValues = append(secretValues, token)
		req.IntegrationURL, req.Token = in.URL, token
		if spec.Executor.Resource != nil {
			req.ResourceName = spec.Executor.Resource.Name
		}
	}

	if !spec.DryRun && spec.Executor.Integration != nil && len(spec.Outputs) > 0 && len(resources) == 0 {
		// The run on the tool may push its outputs back with this token
		// (POST /api/v1/outputs). Minted only before anything started: a
		// resumed run already holds the token whose hash is stored.
		token, err := e.mintOutputToken(ctx, ex.ID, owner)
		if err != nil {
			log.WarnContext(ctx, "engine: minting the execution's output token", slog.String("error", err.Error()))
		} else {
			req.OutputToken = token
			req.Secrets = append(req.Secrets, token)
			secretValues = append(secretValues, token)
		}
	}

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
	if runCtx.Err() != nil && ctx.Err() == nil {
		return // the lease was lost before the run: the new owner finishes it
	}
	out := e.runner.Run(runCtx, req, progress)
	clear(secrets)
	if runCtx.Err() != nil && ctx.Err() == nil && out.Result == "" {
		return // the lease was lost: the new owner finishes it
	}
	if ctx.Err() != nil {
		return // shutting down: the lease expires and another start resumes it
	}
	// What the run pushed (POST /api/v1/outputs) joins what the executor
	// produced; for a name in both, the pushed value is the run's own word.
	pushed := e.pushedOutputs(ctx, ex.ID, owner)
	outputs := []api.OutputValue{}
	var missing []string
	for _, def := range spec.Outputs {
		v, ok := pushed[def.Name]
		if !ok {
			v, ok = out.Outputs[def.Name]
		}
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

// keepLease renews owner's lease of ex every third of cfg.Lease until ctx
// ends, even when an executor is quiet for a while, and calls lost when
// another server holds it. A lease already a third spent when the run
// begins is renewed at once: a routing batch's claim is leased from before
// its transaction, which under load can take most of a short lease.
func (e *Engine) keepLease(ctx context.Context, lost context.CancelFunc, cfg Config, ex store.Execution, owner string) {
	every := cfg.Lease / 3
	first := every
	if !ex.LeaseExpiresAt.IsZero() && ex.LeaseExpiresAt.Sub(e.timestamp()) < cfg.Lease-every {
		first = 0
	}
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := e.store.RenewLease(ctx, ex.ID, owner, e.timestamp().Add(cfg.Lease), nil); errors.Is(err, store.ErrConflict) {
				lost()
				return
			}
			t.Reset(every)
		}
	}
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
// stages connected to its stage, with the canvas's stages version they
// were matched at: the finish starts a free stage's execution only while
// it holds (store.Routed.StagesVersion).
func (e *Engine) downstream(ctx context.Context, ex store.Execution, outputs []api.OutputValue) store.Routed {
	st, err := e.store.FindStageByID(ctx, ex.StageID)
	if err != nil {
		return store.Routed{}
	}
	// The canvas's stages as routing keeps them (stagesets.go): read again
	// only when a stage changed.
	set, err := e.stageSets.stagesAt(ctx, e.store, ex.OrgID, ex.CanvasID)
	if err != nil {
		return store.Routed{}
	}
	stages := set.stages
	outs := map[string]any{}
	for _, o := range outputs {
		outs[o.Name] = o.Value
	}
	payload := map[string]any{
		"stageId": st.ID, "stageName": st.Name, "executionId": ex.ID,
		"result": ex.Result, "resultReason": ex.ResultReason, "outputs": outs,
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		e.log.ErrorContext(ctx, "engine: encoding a finished execution's payload", slog.String("execution", ex.ID), slog.String("error", err.Error()))
		return store.Routed{}
	}
	trigger := store.StageEvent{
		TriggerSourceType: api.ConnectionTypeStage, TriggerSourceID: st.ID, TriggerSourceName: st.Name,
		TriggerEventID: ex.ID, TriggerType: "execution_finished", TriggerPayload: raw, TriggerHeaders: []byte("{}"),
	}
	// The filters judge the payload as a receiver would read it: the JSON
	// just encoded, decoded (numbers as float64). It decodes: it was
	// encoded above.
	normalized, err := store.DecodeJSON[map[string]any]("execution", ex.ID, "downstream payload", raw)
	if err != nil {
		e.log.ErrorContext(ctx, "engine: decoding a finished execution's payload", slog.String("execution", ex.ID), slog.String("error", err.Error()))
		return store.Routed{}
	}
	f := &findings{}
	defer e.write(ctx, f)
	out, err := e.matchStages(ctx, stages, set.progs, api.ConnectionTypeStage, st.Name, trigger, normalized, map[string]string{}, f)
	if err != nil {
		// No source event to reject here: the stages whose expressions
		// failed get nothing, the others their stage events.
		e.log.WarnContext(ctx, "engine: a downstream stage's expression failed", slog.String("execution", ex.ID), slog.String("error", err.Error()))
	}
	return store.Routed{StageEvents: out, StagesVersion: set.version, StagesVersionKnown: set.known}
}

// resourcesFromStore is what an execution started, as the executors take
// it; nil when nothing was recorded, as before.
func resourcesFromStore(list []store.Resource) []executor.Resource {
	if list == nil {
		return nil
	}
	out := make([]executor.Resource, 0, len(list))
	for _, r := range list {
		out = append(out, executor.Resource{ID: r.ID, Type: r.Type, State: r.State, Result: r.Result})
	}
	return out
}
