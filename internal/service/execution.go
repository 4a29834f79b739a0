package service

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stageOf finds the stage idOrName of canvas.
func (s *Stages) stageOf(ctx context.Context, p store.Principal, canvas, idOrName string) (store.Canvas, store.Stage, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return c, store.Stage{}, err
	}
	st, err := s.Store.FindStage(ctx, p.Organization.ID, c.ID, idOrName)
	return c, st, err
}

// parsePage reads a list's page: newest first, before a time and id.
func parsePage(pq store.PageQuery) (store.Page, error) {
	page, err := store.ParsePage(pq, store.PageRules{DefaultLimit: store.DefaultPageLimit, MaxLimit: store.MaxPageLimit})
	if err != nil {
		return page, Invalid("%s", err)
	}
	return page, nil
}

// Events returns one page of the events of the stage idOrName of canvas,
// only those in states when it is not empty, and whether a next page may
// follow (the page is full).
func (s *Stages) Events(ctx context.Context, p store.Principal, canvas, idOrName string, states []string, pq store.PageQuery) (StageEventList, error) {
	c, st, err := s.stageOf(ctx, p, canvas, idOrName)
	if err != nil {
		return StageEventList{}, err
	}
	page, err := parsePage(pq)
	if err != nil {
		return StageEventList{}, err
	}
	for _, st := range states {
		if !slices.Contains([]string{store.StageEventPending, store.StageEventWaiting, store.StageEventProcessed, store.StageEventDiscarded}, st) {
			return StageEventList{}, Invalid("states %q is not one of STATE_PENDING, STATE_WAITING, STATE_PROCESSED, STATE_DISCARDED", st)
		}
	}
	// The page and its count in one statement: counted after the page, an
	// event leaving the states in between was listed but not counted.
	list, err := s.Store.ListStageEventPage(ctx, p.Organization.ID, c.ID, st.ID, states, page, MaxEventCount)
	if err != nil {
		return StageEventList{}, err
	}
	return StageEventList{Events: list.Events, More: len(list.Events) == page.Limit, Total: list.Total, TotalCapped: list.Capped}, nil
}

// StageEventList is a page of a stage's events and what the listing answers
// about the rest: Total counts the matching events on all pages, up to
// MaxEventCount (then TotalCapped).
type StageEventList struct {
	Events      []store.StageEvent
	More        bool
	Total       int64
	TotalCapped bool
}

// ExecutionList is a page of a stage's executions, counted as
// StageEventList is.
type ExecutionList struct {
	Executions  []Execution
	More        bool
	Total       int64
	TotalCapped bool
}

// Approve records the principal's approval of a queued event. Approvals are
// by distinct users: approving twice counts once. The engine, which starts
// an approved event, is the caller's to wake.
func (s *Stages) Approve(ctx context.Context, p store.Principal, canvas, stage, eventID string) (store.StageEvent, error) {
	c, st, err := s.stageOf(ctx, p, canvas, stage)
	if err != nil {
		return store.StageEvent{}, err
	}
	now := Timestamp(s.Now)
	return s.Store.UpdateStageEvent(ctx, p.Organization.ID, c.ID, st.ID, eventID, func(ev *store.StageEvent) error {
		if ev.State != store.StageEventPending && ev.State != store.StageEventWaiting {
			return Invalid("stage event %s is %s: only a queued event can be approved", ev.ID, ev.State)
		}
		// Approvals that do not decode are the store's error: appended to
		// as if empty, the others' approvals would be lost.
		approvals, err := ev.DecodeApprovals()
		if err != nil {
			return err
		}
		for _, a := range approvals {
			if a.ApprovedBy == p.User.ID {
				return nil
			}
		}
		approvals = append(approvals, store.Approval{ApprovedBy: p.User.ID, ApprovedAt: &now})
		b, err := json.Marshal(approvals)
		ev.Approvals = b
		return err
	})
}

// Discard takes a queued event out of the queue for good.
func (s *Stages) Discard(ctx context.Context, p store.Principal, canvas, stage, eventID string) (store.StageEvent, error) {
	c, st, err := s.stageOf(ctx, p, canvas, stage)
	if err != nil {
		return store.StageEvent{}, err
	}
	now := Timestamp(s.Now)
	return s.Store.UpdateStageEvent(ctx, p.Organization.ID, c.ID, st.ID, eventID, func(ev *store.StageEvent) error {
		if ev.State != store.StageEventPending && ev.State != store.StageEventWaiting {
			return Invalid("stage event %s is %s: only a queued event can be discarded", ev.ID, ev.State)
		}
		ev.State, ev.DiscardedBy, ev.DiscardedAt = store.StageEventDiscarded, p.User.ID, now
		return nil
	})
}

// Execution is an execution with the stage event it ran (nil when that
// event cannot be read).
type Execution = store.ListedExecution

// Executions returns one page of the executions of the stage idOrName of
// canvas, each with its stage event, and whether a next page may follow:
// after finding the stage, one statement (store.ListExecutionPage).
func (s *Stages) Executions(ctx context.Context, p store.Principal, canvas, idOrName string, pq store.PageQuery) (ExecutionList, error) {
	c, st, err := s.stageOf(ctx, p, canvas, idOrName)
	if err != nil {
		return ExecutionList{}, err
	}
	page, err := parsePage(pq)
	if err != nil {
		return ExecutionList{}, err
	}
	list, err := s.Store.ListExecutionPage(ctx, p.Organization.ID, c.ID, st.ID, page, MaxEventCount)
	if err != nil {
		return ExecutionList{}, err
	}
	return ExecutionList{Executions: list.Executions, More: len(list.Executions) == page.Limit, Total: list.Total, TotalCapped: list.Capped}, nil
}

// Cancel cancels the execution executionID of the stage: a pending one is
// finished at once, a started one is stopped by the server running it.
func (s *Stages) Cancel(ctx context.Context, p store.Principal, canvas, stage, executionID string) (store.Execution, error) {
	c, st, err := s.stageOf(ctx, p, canvas, stage)
	if err != nil {
		return store.Execution{}, err
	}
	return s.Store.RequestCancel(ctx, p.Organization.ID, c.ID, st.ID, executionID, Timestamp(s.Now))
}
