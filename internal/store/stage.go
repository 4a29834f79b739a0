package store

import (
	"context"
	"time"
)

// Stage is a step of a canvas: it listens to event sources or other stages,
// turns events into inputs, waits for its conditions and runs an executor.
// Spec is the JSON of api.StageSpec, validated by the server.
type Stage struct {
	ID          string
	OrgID       string
	CanvasID    string
	Name        string
	Description string
	Spec        []byte
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Stage event states and executions states.
const (
	StageEventPending   = "STATE_PENDING"
	StageEventWaiting   = "STATE_WAITING"
	StageEventProcessed = "STATE_PROCESSED"
	StageEventDiscarded = "STATE_DISCARDED"

	ExecutionPending  = "STATE_PENDING"
	ExecutionStarted  = "STATE_STARTED"
	ExecutionFinished = "STATE_FINISHED"
)

// StageEvent is an event in a stage's queue. It carries a copy of what
// triggered it (an event of a source, or the end of an execution of another
// stage), so it does not depend on the trigger's lifetime.
type StageEvent struct {
	ID       string
	OrgID    string
	CanvasID string
	StageID  string
	// Connection is the name of the stage's connection that matched.
	Connection string
	// Trigger*: what the event came from. TriggerSourceType is
	// "TYPE_EVENT_SOURCE" or "TYPE_STAGE"; TriggerEventID is the source event
	// or the upstream execution id.
	TriggerSourceType string
	TriggerSourceID   string
	TriggerSourceName string
	TriggerEventID    string
	TriggerType       string
	TriggerPayload    []byte // JSON object
	TriggerHeaders    []byte // JSON object
	State             string // StageEvent*
	StateReason       string // STATE_REASON_APPROVAL, STATE_REASON_TIME_WINDOW or ""
	Inputs            []byte // JSON [{"name","value"}], resolved when queued
	Approvals         []byte // JSON [{"approvedBy","approvedAt"}]
	DiscardedBy       string
	DiscardedAt       time.Time
	CreatedAt         time.Time
}

// Execution is one run of a stage's executor for one stage event.
type Execution struct {
	ID            string
	OrgID         string
	CanvasID      string
	StageID       string
	StageEventID  string
	State         string // Execution*
	Result        string // RESULT_PASSED, RESULT_FAILED, RESULT_CANCELLED, "" until finished
	ResultReason  string
	ResultMessage string
	Outputs       []byte // JSON [{"name","value"}]
	Resources     []byte // JSON [{"id","type","state","result"}]: what the executor started
	// The lease: the server running the execution and until when. A started
	// execution whose lease expired belongs to a server that died; another
	// claims it and resumes or fails it.
	LeaseOwner      string
	LeaseExpiresAt  time.Time
	CancelRequested bool
	CreatedAt       time.Time
	StartedAt       time.Time
	FinishedAt      time.Time
	CancelledAt     time.Time
}

// Page selects a page newest first with a keyset cursor: the (CreatedAt, ID)
// of the last item of the previous page; a zero BeforeTime asks for the first
// page, and BeforeTime without BeforeID for the items strictly older than
// BeforeTime.
type Page struct {
	BeforeTime time.Time
	BeforeID   string
	Limit      int // <= 0: 50; at most 500
}

// StageStore is the part of Store that keeps stages, their queues and their
// executions. Like every bytes field of the store, empty bytes read back as
// nil.
type StageStore interface {
	// CreateStage inserts st. ErrConflict when the name is taken in the
	// canvas; ErrNotFound when the canvas does not exist.
	CreateStage(ctx context.Context, st Stage) error
	// FindStage returns the canvas's stage by id or name, or ErrNotFound.
	FindStage(ctx context.Context, orgID, canvasID, idOrName string) (Stage, error)
	// FindStageByID returns the stage with this id in any organization, or
	// ErrNotFound.
	FindStageByID(ctx context.Context, id string) (Stage, error)
	// ListStages returns the canvas's stages ordered by name.
	ListStages(ctx context.Context, orgID, canvasID string) ([]Stage, error)
	// UpdateStage loads, lets fn change and writes back the stage in one
	// transaction. fn must not call the store, and cannot change ID, OrgID,
	// CanvasID, CreatedBy or CreatedAt. ErrNotFound, ErrConflict on a taken
	// name; fn's error aborts and is returned unchanged.
	UpdateStage(ctx context.Context, orgID, canvasID, idOrName string, fn func(*Stage) error) (Stage, error)
	// DeleteStage deletes the stage with its queue and executions.
	// ErrNotFound when missing.
	DeleteStage(ctx context.Context, orgID, canvasID, idOrName string) error

	// RouteEvents takes up to limit events in state STATE_PENDING, oldest
	// first, that no other server is routing, and for each calls route, which
	// returns the stage events it becomes (possibly none). Each event's stage
	// events are inserted and the event is marked STATE_PROCESSED in the same
	// transaction, so an event is routed exactly once even with several
	// servers. A stage event's empty OrgID or CanvasID is the event's. route
	// must not call the store.
	//
	// One event never holds up the others, nor the engine: before route is
	// called, the attempt is counted (and the event leased for RouteLease
	// from now) in a transaction of its own, so even a crash during route
	// counts. route's error, or a stage event the store refuses, leaves that
	// event pending with the error as its StateMessage, to be tried again at
	// the next call; an event already tried MaxRouteAttempts times is marked
	// STATE_REJECTED (STATE_REASON_ERROR, the last error in StateMessage)
	// instead. A *RejectError from route rejects the event at once with its
	// reason. When the store refuses some stage events, route may be called
	// a second time for the events of that batch. Returns how many events were routed or rejected; limit <= 0
	// routes none.
	RouteEvents(ctx context.Context, now time.Time, limit int, route func(ev Event) ([]StageEvent, error)) (int, error)
	// InsertStageEvents inserts stage events (used for tests and manual
	// triggers), all or none. ErrNotFound when a stage is not in the event's
	// canvas; ErrConflict on a taken id.
	InsertStageEvents(ctx context.Context, evs []StageEvent) error
	// FindStageEvent returns the stage's event, or ErrNotFound.
	FindStageEvent(ctx context.Context, orgID, canvasID, stageID, id string) (StageEvent, error)
	// ListStageEvents returns a page of the stage's events in the given
	// states (all when empty), newest first (CreatedAt, then ID).
	ListStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, page Page) ([]StageEvent, error)
	// UpdateStageEvent loads, lets fn change and writes back a stage event in
	// one transaction (approve, discard). fn must not call the store; only
	// State, StateReason, Inputs, Approvals, DiscardedBy and DiscardedAt are
	// written. ErrNotFound when missing; fn's error aborts and is returned
	// unchanged.
	UpdateStageEvent(ctx context.Context, orgID, canvasID, stageID, id string, fn func(*StageEvent) error) (StageEvent, error)
	// QueueHeads returns the heads of up to limit queues due at now: for
	// each stage without an unfinished execution, the oldest (CreatedAt,
	// then ID) stage event in state STATE_PENDING or STATE_WAITING, unless
	// the queue waits (WaitStageEvent) until after now. Organizations take turns
	// (every organization's first head before any second one), and so do
	// the canvases of an organization; each turn is oldest first.
	QueueHeads(ctx context.Context, now time.Time, limit int) ([]StageEvent, error)
	// WaitStageEvent marks the queued event seen STATE_WAITING for reason
	// and has QueueHeads pass over its stage's queue until recheckAt (zero:
	// due at once),
	// provided its approvals are still seen's and its stage's spec is still
	// stageSpec; ErrConflict otherwise, with nothing written. UpdateStageEvent
	// of the event and UpdateStage of its stage make it due again at once.
	WaitStageEvent(ctx context.Context, seen StageEvent, stageSpec []byte, reason string, recheckAt time.Time) error
	// StartExecution, in one transaction: checks that the stage event is
	// still pending or waiting and that its stage has no unfinished
	// execution, marks the event STATE_PROCESSED and inserts ex (state
	// pending; OrgID, CanvasID, StageID and StageEventID are the event's).
	// ErrNotFound when the event does not exist; ErrConflict when another
	// server got there first.
	StartExecution(ctx context.Context, stageEventID string, ex Execution) error

	// ClaimExecution takes one execution that is pending, or started with an
	// expired lease (its server died), for owner until leaseUntil: state
	// becomes started, StartedAt is kept or set. ok is false when there is
	// none. Two servers never claim the same execution. With maxPerOrg > 0,
	// organizations that have maxPerOrg started executions under a live
	// lease (on any server) are passed over, even with concurrent claimers;
	// the organization with the fewest running goes first, then the oldest
	// execution.
	ClaimExecution(ctx context.Context, owner string, now, leaseUntil time.Time, maxPerOrg int) (ex Execution, ok bool, err error)
	// RenewLease extends owner's lease and stores resources (what the
	// executor started so far; nil keeps the stored ones). It returns whether
	// a cancel was requested, and ErrConflict when owner no longer holds the
	// execution.
	RenewLease(ctx context.Context, id, owner string, leaseUntil time.Time, resources []byte) (cancelRequested bool, err error)
	// FinishExecution records the end of owner's execution (result, reason,
	// message, outputs, resources unless nil, FinishedAt, CancelledAt when
	// cancelled) and inserts the stage events it triggers downstream (an
	// empty OrgID or CanvasID is the execution's), in one transaction.
	// ErrConflict when owner no longer holds it; ErrNotFound when a
	// downstream stage is not in its canvas (nothing is written).
	FinishExecution(ctx context.Context, ex Execution, owner string, downstream []StageEvent) error
	// RequestCancel marks the stage's execution for cancellation and returns
	// it: a pending one is finished at once (RESULT_CANCELLED,
	// RESULT_REASON_USER, FinishedAt and CancelledAt now), a started one gets
	// CancelRequested (its server learns it from RenewLease), a finished one
	// is unchanged. ErrNotFound when missing.
	RequestCancel(ctx context.Context, orgID, canvasID, stageID, id string, now time.Time) (Execution, error)
	// FindExecution returns the stage's execution, or ErrNotFound.
	FindExecution(ctx context.Context, orgID, canvasID, stageID, id string) (Execution, error)
	// ListExecutions returns a page of the stage's executions, newest first
	// (CreatedAt, then ID).
	ListExecutions(ctx context.Context, orgID, canvasID, stageID string, page Page) ([]Execution, error)
	// LastExecution returns the stage's newest (FinishedAt, then ID) finished
	// execution whose result is one of results (any when empty), with its
	// stage event, or ErrNotFound.
	LastExecution(ctx context.Context, stageID string, results []string) (Execution, StageEvent, error)
}
