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
//
// The stages whose filters an event did not pass are gathered in one
// FilteredRejection per event (the lead's decision: one row an event, not
// one a stage; a busy canvas of 100 filtered stages made 99 rows a
// delivery); every other rejection is a row of its own.
type findings struct {
	rejections []store.Rejection
	filtered   []store.FilteredRejection
	alerts     []store.Alert
	// stages is how many stages the event being routed may name (the
	// capacity of a new FilteredRejection's lists); clippedFrom and clipped
	// are the last message clipped and its clipped form: an event's
	// filtered stages share one message, clipped once.
	stages               int
	clippedFrom, clipped string
}

// add appends o's findings to f's.
func (f *findings) add(o *findings) {
	f.rejections = append(f.rejections, o.rejections...)
	f.filtered = append(f.filtered, o.filtered...)
	f.alerts = append(f.alerts, o.alerts...)
}

// reject records that the stage did not take the event of trigger, and why.
// The message is clipped; routing knows no secret values to mask.
func (f *findings) reject(st store.Stage, trigger store.StageEvent, reason, message string, at time.Time) {
	if f == nil {
		return
	}
	if message != f.clippedFrom || f.clipped == "" {
		f.clippedFrom, f.clipped = message, redact.New().Clip(message, executor.MaxMessage)
	}
	message = f.clipped
	if reason == api.RejectionReasonFiltered {
		f.filter(st, trigger.TriggerEventID, message, at)
		return
	}
	f.rejections = append(f.rejections, store.Rejection{
		ID: uuid.NewString(), OrgID: st.OrgID, CanvasID: st.CanvasID, TargetType: api.ConnectionTypeStage,
		TargetID: st.ID, TargetName: st.Name, EventID: trigger.TriggerEventID, Reason: reason,
		Message: message, CreatedAt: at,
	})
}

// filter adds the stage to the FilteredRejection of the event, the last one
// when it is the same event with the same message and time (routing
// rejects an event's stages one after the other), a new one otherwise.
func (f *findings) filter(st store.Stage, eventID, message string, at time.Time) {
	if n := len(f.filtered); n > 0 {
		last := &f.filtered[n-1]
		if last.EventID == eventID && last.CanvasID == st.CanvasID && last.OrgID == st.OrgID && last.Message == message &&
			last.CreatedAt.Equal(at) && len(last.StageIDs) < store.MaxFilteredStages {
			last.StageIDs = append(last.StageIDs, st.ID)
			last.StageNames = append(last.StageNames, st.Name)
			return
		}
	}
	n := min(max(f.stages, 1), store.MaxFilteredStages)
	// A time-ordered id: the rows of a busy canvas (nearly one an event)
	// then land at the end of the table's primary-key index, not on a
	// random page each, with SQLite's one writer held.
	f.filtered = append(f.filtered, store.FilteredRejection{
		ID: store.NewTimeOrderedID(), OrgID: st.OrgID, CanvasID: st.CanvasID, EventID: eventID, Message: message, CreatedAt: at,
		StageIDs: append(make([]string, 0, n), st.ID), StageNames: append(make([]string, 0, n), st.Name),
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
	if len(f.rejections) == 0 && len(f.filtered) == 0 && len(f.alerts) == 0 {
		return
	}
	if err := e.store.InsertRejections(ctx, f.rejections); err != nil && ctx.Err() == nil {
		e.log.WarnContext(ctx, "engine: recording rejections", slog.String("error", err.Error()))
	}
	if len(f.filtered) > 0 {
		if err := e.store.InsertFilteredRejections(ctx, f.filtered); err != nil && ctx.Err() == nil {
			e.log.WarnContext(ctx, "engine: recording filtered rejections", slog.String("error", err.Error()))
		}
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
