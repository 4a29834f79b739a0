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
	queue := ` AND ` + alias + `.state IN (` + sqlStageEventPending + `, ` + sqlStageEventWaiting + `)`
	switch {
	case len(known) == 1 && (known[0] == sqlStageEventPending || known[0] == sqlStageEventWaiting):
		// The queue index's own predicate too: SQLite uses a partial
		// index only for a query that states its WHERE term.
		return queue + ` AND ` + alias + `.state = ` + known[0], true
	case len(known) == 2 && known[0] == sqlStageEventPending && known[1] == sqlStageEventWaiting:
		return queue, true
	case len(known) == 1 && known[0] == sqlStageEventDiscarded:
		// stage_events_discarded's predicate, spelled as it is: the few
		// discarded events among a stage's history (migration 0032).
		return ` AND ` + alias + `.state = ` + known[0], true
	}
	return ` AND ` + alias + `.state IN (` + strings.Join(known, ", ") + `)`, true
}

// stageEventPageQuery is ListStageEventPage's statement for the canonical
// ids; ok is false when states match no event.
func (s *db) stageEventPageQuery(org, canvas, stage string, states []string, page Page, countLimit int) (string, []any, bool, error) {
	cond, ok := stageEventStates("se", states)
	if !ok {
		return "", nil, false, nil
	}
	// The count, as CountStageEvents counts, without its check of the
	// stage's scope: the page's rows, read in that scope, are that check.
	// Both databases run the uncorrelated subquery once a statement.
	counted, _ := stageEventsCounted("cnt", states, "")
	query, args, err := s.keyset(`SELECT `+stageEventColumns+`, (`+boundedCount(counted)+`) FROM stage_events se
		WHERE se.stage_id = ? AND se.org_id = ? AND se.canvas_id = ?`+cond,
		[]any{stage, stage, countLimit + 1, stage, org, canvas}, "se.created_at", "se.id", page)
	return query, args, err == nil, err
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
	countLimit = max(countLimit, 1)
	query, args, ok, err := s.stageEventPageQuery(org, canvas, stage, states, page, countLimit)
	if !ok || err != nil {
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
