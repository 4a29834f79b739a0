package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Retention of rejections and acknowledged alerts: older ones, and
// rejections beyond the newest RejectionsPerCanvas of a canvas, are
// removed by the engine at most every pruneEvery, pruneBatch rows per
// statement and at most pruneBatches statements a pass, so a backlog is
// worked off over several passes rather than in one long delete.
const (
	RejectionRetention  = 30 * 24 * time.Hour
	RejectionsPerCanvas = 10000
	pruneEvery          = 10 * time.Minute
	pruneBatch          = 1000
	pruneBatches        = 10
)

// findings are the rejections and alerts one routing or one execution
// leaves. They are written after the work they describe, never inside the
// store's routing transaction (whose callback must not write).
type findings struct {
	rejections []store.Rejection
	alerts     []store.Alert
}

// reject records that the stage did not take the event of trigger, and why.
// The message is clipped; routing knows no secret values to mask.
func (f *findings) reject(st store.Stage, trigger store.StageEvent, reason, message string, at time.Time) {
	if f == nil {
		return
	}
	f.rejections = append(f.rejections, store.Rejection{
		ID: uuid.NewString(), OrgID: st.OrgID, CanvasID: st.CanvasID, TargetType: api.ConnectionTypeStage,
		TargetID: st.ID, TargetName: st.Name, EventID: trigger.TriggerEventID, Reason: reason,
		Message: redact.New().Clip(message, executor.MaxMessage), CreatedAt: at,
	})
}

// alert records a runtime error of the stage, its message masked of
// secrets and clipped.
func (f *findings) alert(st store.Stage, kind, message string, secrets []string, at time.Time) {
	if f == nil {
		return
	}
	f.alerts = append(f.alerts, store.Alert{
		ID: uuid.NewString(), OrgID: st.OrgID, CanvasID: st.CanvasID, SourceType: api.AlertSourceStage,
		SourceID: st.ID, SourceName: st.Name, Kind: kind, Type: api.AlertTypeError,
		Message: redact.New(secrets...).Clip(message, executor.MaxMessage), CreatedAt: at,
	})
}

// write stores the findings. They are a record for users, not state the
// engine depends on: a failure is logged, and the work goes on.
func (e *Engine) write(ctx context.Context, f *findings) {
	if f == nil {
		return
	}
	if len(f.rejections) == 0 && len(f.alerts) == 0 {
		return
	}
	if err := e.store.InsertRejections(ctx, f.rejections); err != nil && ctx.Err() == nil {
		e.log.WarnContext(ctx, "engine: recording rejections", slog.String("error", err.Error()))
	}
	for _, a := range f.alerts {
		if _, err := e.store.RaiseAlert(ctx, a); err != nil && ctx.Err() == nil {
			e.log.WarnContext(ctx, "engine: raising an alert", slog.String("stage", a.SourceID), slog.String("error", err.Error()))
		}
	}
}

// prune removes old rejections and acknowledged alerts, and events past the
// event retention, at most every pruneEvery per engine and a bounded amount
// per pass.
func (e *Engine) prune(ctx context.Context) {
	now := e.timestamp()
	e.pruneMu.Lock()
	due := now.Sub(e.prunedAt) >= pruneEvery
	if due {
		e.prunedAt = now
	}
	e.pruneMu.Unlock()
	if !due {
		return
	}
	e.pruneRejections(ctx, now)
	e.pruneEvents(ctx, now)
	e.pruneFieldSets(ctx, now)
	e.pruneAudit(ctx, now)
}

// pruneRejections removes up to pruneBatches batches of old rejections and
// acknowledged alerts.
func (e *Engine) pruneRejections(ctx context.Context, now time.Time) {
	for range pruneBatches {
		n, err := e.store.PruneRejections(ctx, now.Add(-RejectionRetention), RejectionsPerCanvas, pruneBatch)
		if err != nil {
			if ctx.Err() == nil {
				e.log.WarnContext(ctx, "engine: pruning rejections", slog.String("error", err.Error()))
			}
			return
		}
		if n < pruneBatch {
			return
		}
	}
}

// filteredMessage says why a stage did not take an event its connection
// names.
func filteredMessage(trigger store.StageEvent, connection string) string {
	return fmt.Sprintf("%s event from %s did not pass the filters of connection %s",
		trigger.TriggerType, trigger.TriggerSourceName, connection)
}
