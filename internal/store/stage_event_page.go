package store

import (
	"context"
	"slices"
	"strings"
)

// StageEventPage is a page of a stage's events as its list shows them, and
// the stage's events in the same states counted.
type StageEventPage struct {
	Events []StageEvent
	// Total counts the stage's events in the states, as CountStageEvents
	// does: at most the count limit, Capped past it.
	Total  int64
	Capped bool
}

// StageEventPageStore reads the page a stage's event list shows.
type StageEventPageStore interface {
	// ListStageEventPage returns the page ListStageEvents returns and the
	// count CountStageEvents gives with countLimit, in one statement (two
	// when the page is empty: the count alone then), so that both see the
	// same events: counted after the page, an event that left the states
	// in between was on the page but not in the count.
	ListStageEventPage(ctx context.Context, orgID, canvasID, stageID string, states []string, page Page, countLimit int) (StageEventPage, error)
}

// stageEventStateSQL is each stage event state as the SQL literal a query
// spells it with (see sqlStageEventPending).
var stageEventStateSQL = map[string]string{
	StageEventPending:   sqlStageEventPending,
	StageEventWaiting:   sqlStageEventWaiting,
	StageEventProcessed: sqlStageEventProcessed,
	StageEventDiscarded: sqlStageEventDiscarded,
}

// stageEventStates is the condition on alias's state that keeps states
// ("" for none: every state), the states spelled out, sorted and once
// each: with a bound state, the generic plan PostgreSQL may choose for a
// cached statement cannot use stage_events_queue for the queued states,
// and walked the stage's whole history for its few queued events. One
// statement text a set of states (15 at most). ok is false when states
// names no state the store knows: no event matches, as none matched a
// bound unknown state.
func stageEventStates(alias string, states []string) (cond string, ok bool) {
	if len(states) == 0 {
		return "", true
	}
	known := make([]string, 0, len(states))
	for _, st := range states {
		if lit, isState := stageEventStateSQL[st]; isState && !slices.Contains(known, lit) {
			known = append(known, lit)
		}
	}
	if len(known) == 0 {
		return "", false
	}
	slices.Sort(known)
	return ` AND ` + alias + `.state IN (` + strings.Join(known, ", ") + `)`, true
}

// stageEventPageCount counts the stage's events in the states (the cnt
// alias's condition) as CountStageEvents does, without its check of the
// stage's scope: the page's rows, read in that scope, are that check. The
// ORDER BY is the stage's index's (or, for queued states, the queue
// index's backwards), so that no plan reads the whole table
// (TestStageEventCountPlans), and at most countLimit+1 entries are read.
func stageEventPageCount(cond string) string {
	return `(SELECT COUNT(*) FROM (SELECT 1 FROM stage_events cnt WHERE cnt.stage_id = ?` + cond + `
		ORDER BY cnt.created_at DESC, cnt.id DESC LIMIT ?) AS matching)`
}

// stageEventsPageRead, set only by tests, runs once a stage event page's
// rows are read, where the count was read after them
// (TestStageEventLeavingItsStatesBetweenPageAndCount).
var stageEventsPageRead func()

// ListStageEventPage returns a page of the stage's events in states and
// the stage's events in states counted.
func (s *db) ListStageEventPage(ctx context.Context, orgID, canvasID, stageID string, states []string, page Page, countLimit int) (StageEventPage, error) {
	out := StageEventPage{Events: []StageEvent{}}
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return out, nil
	}
	cond, ok := stageEventStates("se", states)
	if !ok {
		return out, nil
	}
	countCond, _ := stageEventStates("cnt", states)
	countLimit = max(countLimit, 1)
	query, args, err := s.keyset(`SELECT `+stageEventColumns+`, `+stageEventPageCount(countCond)+` FROM stage_events se
		WHERE se.stage_id = ? AND se.org_id = ? AND se.canvas_id = ?`+cond,
		[]any{stage, countLimit + 1, stage, org, canvas}, "se.created_at", "se.id", page)
	if err != nil {
		return out, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return out, wrap("list stage event page", err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var ev StageEvent
		if err := rows.Scan(append(stageEventDests(&ev), &total)...); err != nil {
			return out, wrap("list stage event page", err)
		}
		out.Events = append(out.Events, ev)
	}
	if err := rows.Err(); err != nil {
		return out, wrap("list stage event page", err)
	}
	rows.Close()
	if stageEventsPageRead != nil {
		stageEventsPageRead()
	}
	if len(out.Events) == 0 {
		// No row carried the count; an empty page may still follow others.
		out.Total, out.Capped, err = s.CountStageEvents(ctx, org, canvas, stage, states, countLimit)
		return out, err
	}
	out.Total = total
	if total > int64(countLimit) {
		out.Total, out.Capped = int64(countLimit), true
	}
	return out, nil
}
