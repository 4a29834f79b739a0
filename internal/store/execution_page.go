package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// ExecutionPage is a page of a stage's executions as its list shows them:
// each with the stage event it ran, and the stage's executions counted.
type ExecutionPage struct {
	Executions []ListedExecution
	// Total is the number of the stage's executions, counted as
	// CountExecutions counts them: at most the count limit, Capped past it.
	Total  int64
	Capped bool
}

// ListedExecution is an execution of a page with the stage event it ran.
// Its lease (LeaseOwner, LeaseExpiresAt, CancelRequested), which no list
// shows, is not read.
type ListedExecution struct {
	Execution
	// Event is nil when the stage event is not the stage's (it cannot be
	// read; the cascade from stage events makes this rare).
	Event *StageEvent
}

// ExecutionPageStore reads the page a stage's execution list shows.
type ExecutionPageStore interface {
	// ListExecutionPage returns the page ListExecutions returns, each
	// execution with its stage event (what FindStageEventsByID finds), and
	// the count CountExecutions gives with countLimit, in one statement (two
	// when the page is empty: the count alone then). A list of executions
	// cost a statement for its page, one for their events and one for the
	// count, and half of its time scanning two rows an execution (issue 17).
	ListExecutionPage(ctx context.Context, orgID, canvasID, stageID string, page Page, countLimit int) (ExecutionPage, error)
}

// executionPageColumns are what a list shows of an execution and its stage
// event (the stage event's through a LEFT JOIN: NULL when it is not the
// stage's; its id is the execution's stage_event_id, and its state, never
// NULL in the table, says whether it was joined), then the stage's
// executions counted (executionPageCount). Every column a row costs the
// drivers a value to allocate and convert: the scope's ids, known from the
// query, are not read.
const executionPageColumns = `ex.id, ex.stage_event_id, ex.state, ex.result, ex.result_reason, ex.result_message,
	ex.outputs, ex.resources, ex.created_at, ex.started_at, ex.finished_at, ex.cancelled_at,
	se.state, se.connection, se.trigger_source_type, se.trigger_source_id, se.trigger_source_name, se.trigger_event_id,
	se.trigger_type, se.trigger_payload, se.trigger_headers, se.state_reason, se.inputs, se.approvals,
	se.discarded_by, se.discarded_at, se.created_at`

// executionPageCount counts the stage's executions as CountExecutions does,
// without its check of the stage's scope: the page's rows, read in that
// scope, are that check. Both databases run the uncorrelated subquery once
// a statement, not once a row. The ORDER BY is the stage's index's: without
// it, the generic plan PostgreSQL may choose for the cached statement, which
// does not know the stage, scanned the whole table for a stage with few
// executions (110,000 rows, 25-240 ms); with it, the index is the cheaper
// path in every plan, and at most countLimit+1 of its entries are read.
const executionPageCount = `(SELECT COUNT(*) FROM (SELECT 1 FROM executions cnt WHERE cnt.stage_id = ?
	ORDER BY cnt.created_at DESC, cnt.id DESC LIMIT ?) AS matching)`

// ListExecutionPage returns a page of the stage's executions with their
// stage events and the stage's executions counted.
func (s *db) ListExecutionPage(ctx context.Context, orgID, canvasID, stageID string, page Page, countLimit int) (ExecutionPage, error) {
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return ExecutionPage{Executions: []ListedExecution{}}, nil
	}
	// The page's executions and their stage events in two allocations, and
	// every bytes column in few: a page is read, answered and dropped
	// together.
	out := ExecutionPage{Executions: make([]ListedExecution, 0, pageLimit(page.Limit))}
	events := make([]StageEvent, 0, pageLimit(page.Limit))
	countLimit = max(countLimit, 1)
	// The page first, then its stage events: with the join inside the
	// page, PostgreSQL's plans grew with the stage's history (a hash join
	// over all its stage events at 1,000; a parallel scan in the generic
	// plan of the cached statement at 100,000, 104-200 ms); the page's
	// keyset bounds the join's rows whatever the plan.
	pageQuery, pageArgs, err := s.keyset(`SELECT ex.id, ex.stage_event_id, ex.state, ex.result, ex.result_reason,
		ex.result_message, ex.outputs, ex.resources, ex.created_at, ex.started_at, ex.finished_at, ex.cancelled_at,
		ex.stage_id, ex.org_id, ex.canvas_id FROM executions ex
		WHERE ex.stage_id = ? AND ex.org_id = ? AND ex.canvas_id = ?`, []any{stage, org, canvas}, "ex.created_at", "ex.id", page)
	if err != nil {
		return out, err
	}
	query := `SELECT ` + executionPageColumns + `, ` + executionPageCount + ` FROM (` + pageQuery + `) ex
		LEFT JOIN stage_events se ON se.id = ex.stage_event_id AND se.stage_id = ex.stage_id AND se.org_id = ex.org_id AND se.canvas_id = ex.canvas_id`
	args := append([]any{stage, countLimit + 1}, pageArgs...)
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return out, wrap("list execution page", err)
	}
	defer rows.Close()
	var (
		r     pageRow
		total int64
	)
	dests := r.dests(&total)
	for rows.Next() {
		r.reset()
		if err := rows.Scan(dests...); err != nil {
			return out, wrap("list execution page", err)
		}
		r.ex.OrgID, r.ex.CanvasID, r.ex.StageID = org, canvas, stage
		listed := ListedExecution{Execution: r.ex}
		if r.hasEvent {
			r.ev.ID, r.ev.OrgID, r.ev.CanvasID, r.ev.StageID = r.ex.StageEventID, org, canvas, stage
			events = append(events, r.ev)
			listed.Event = &events[len(events)-1]
		}
		out.Executions = append(out.Executions, listed)
	}
	if err := rows.Err(); err != nil {
		return out, wrap("list execution page", err)
	}
	// The page's order, which a join need not keep (a hash join does not):
	// sorted here rather than by the database, which copied every row, its
	// payload too, through a sorter. The rows mostly come in order, which
	// the sort checks in one pass.
	slices.SortFunc(out.Executions, func(a, b ListedExecution) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	if len(out.Executions) == 0 {
		// No row carried the count; an empty page may still follow others.
		out.Total, out.Capped, err = s.CountExecutions(ctx, org, canvas, stage, countLimit)
		return out, err
	}
	out.Total = total
	if total > int64(countLimit) {
		out.Total, out.Capped = int64(countLimit), true
	}
	return out, nil
}

// pageRow is the scan target of one row of executionPageColumns, reused
// for every row of a page: its destinations are made once a page, not once
// a row.
type pageRow struct {
	ex       Execution
	ev       StageEvent
	hasEvent bool
	state    nullText
	bytes    byteArena
}

func (r *pageRow) reset() {
	r.ex, r.ev = Execution{}, StageEvent{}
}

// dests are the scan destinations of executionPageColumns and the count.
func (r *pageRow) dests(total *int64) []any {
	ex, ev, b := &r.ex, &r.ev, &r.bytes
	r.state = nullText{s: &ev.State, valid: &r.hasEvent}
	return []any{&ex.ID, &ex.StageEventID, &ex.State, &ex.Result, &ex.ResultReason, &ex.ResultMessage,
		arenaBlob{b, &ex.Outputs}, arenaBlob{b, &ex.Resources}, timeColumn{&ex.CreatedAt},
		nullTimeColumn{&ex.StartedAt}, nullTimeColumn{&ex.FinishedAt}, nullTimeColumn{&ex.CancelledAt},
		&r.state, nullText{s: &ev.Connection}, nullText{s: &ev.TriggerSourceType}, nullText{s: &ev.TriggerSourceID},
		nullText{s: &ev.TriggerSourceName}, nullText{s: &ev.TriggerEventID}, nullText{s: &ev.TriggerType},
		arenaBlob{b, &ev.TriggerPayload}, arenaBlob{b, &ev.TriggerHeaders}, nullText{s: &ev.StateReason}, arenaBlob{b, &ev.Inputs}, arenaBlob{b, &ev.Approvals},
		nullText{s: &ev.DiscardedBy}, nullTimeColumn{&ev.DiscardedAt}, nullTimeColumn{&ev.CreatedAt}, total}
}

// nullText scans a text column that a LEFT JOIN may make NULL: NULL is "",
// and valid, when set, says whether the column was not NULL.
type nullText struct {
	s     *string
	valid *bool
}

func (c nullText) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("cannot scan %T into a string", src)
	}
	if c.valid != nil {
		*c.valid = src != nil
	}
	return nil
}

// byteArena hands out copies of bytes columns from a few large blocks, not
// one allocation a column: a page of 300 executions holds about 1,200
// (payloads, headers, inputs, approvals, outputs, resources). A copy is
// never appended to in place (its capacity is its length), and a block
// stays alive while any copy from it does.
type byteArena struct{ block []byte }

// arenaBlock is the size of a block: about 70 rows of make bench's 700-byte
// payloads with their headers.
const arenaBlock = 64 << 10

// arenaCopy is a copy of v from a's blocks; a nil a copies v alone.
func arenaCopy[T string | []byte](a *byteArena, v T) []byte {
	if a == nil {
		return append([]byte(nil), v...)
	}
	if len(v) > cap(a.block)-len(a.block) {
		if len(v) > arenaBlock/4 {
			return append([]byte(nil), v...) // a large value alone
		}
		a.block = make([]byte, 0, arenaBlock)
	}
	start := len(a.block)
	a.block = append(a.block, v...)
	return a.block[start:len(a.block):len(a.block)]
}

// arenaBlob scans a bytes column as blobColumn does (NULL and empty are
// nil), its copy from the arena.
type arenaBlob struct {
	a *byteArena
	b *[]byte
}

func (c arenaBlob) Scan(src any) error { return scanBlob(src, c.b, c.a) }
