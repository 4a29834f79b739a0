package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// recheckEvery is the longest a waiting queue head goes unexamined: an
// approval or an edit of its stage makes it due at once, a time window
// when it opens, and this bounds anything else (a clock step, a missed
// edit) at a cost of one look per waiting queue per period.
const recheckEvery = 10 * time.Minute

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
	now := e.now().UTC()
	wait := func(reason string, recheck time.Time) {
		err := e.store.WaitStageEvent(ctx, head, st.Spec, reason, recheck)
		if err != nil && !errors.Is(err, store.ErrConflict) && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "engine: recording a waiting stage event", slog.String("stage", st.ID), slog.String("error", err.Error()))
		}
	}
	// A spec or approvals that do not decode: read as empty, the event
	// would start without its conditions. It waits, looked at again after
	// recheckEvery (so logged once a period) or when the stage or the event
	// is written.
	spec, err := stageSpec(st)
	if err != nil {
		e.log.ErrorContext(ctx, "engine: a stage's spec does not decode; its queue waits", slog.String("stage", st.ID), slog.String("error", err.Error()))
		wait(head.StateReason, now.Add(recheckEvery))
		return
	}
	reason, err := blockedBy(spec, head, now)
	if err != nil {
		e.log.ErrorContext(ctx, "engine: a queued event's approvals do not decode; it waits", slog.String("stage", st.ID), slog.String("error", err.Error()))
		wait(api.StageEventReasonApproval, now.Add(recheckEvery))
		return
	}
	if reason != "" {
		recheck := now.Add(recheckEvery)
		if opens := nextWindowOpening(spec, now); reason == api.StageEventReasonTimeWindow && opens.Before(recheck) {
			recheck = opens
		}
		wait(reason, recheck)
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
// Approvals that do not decode are an error: counted as none, the event
// would wait silently for ever.
func blockedBy(spec api.StageSpec, ev store.StageEvent, now time.Time) (string, error) {
	for _, c := range spec.Conditions {
		switch c.Type {
		case api.ConditionTypeApproval:
			approvals, err := ev.DecodeApprovals()
			if err != nil {
				return "", err
			}
			if c.Approval != nil && int64(len(approvals)) < c.Approval.Count {
				return api.StageEventReasonApproval, nil
			}
		case api.ConditionTypeTimeWindow:
			if c.TimeWindow != nil && !inWindow(*c.TimeWindow, now) {
				return api.StageEventReasonTimeWindow, nil
			}
		}
	}
	return "", nil
}

// inWindow reports whether t (UTC) falls in the window; a window whose end
// is before its start spans midnight. An end of "24:00" is minute 1440,
// past every minute of the day, so "00:00" to "24:00" holds a whole day.
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
