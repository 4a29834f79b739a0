package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// PendingAudit is a request's audit record that a store write may insert
// in its own transaction, so that the change and its record commit
// together or not at all, with one commit instead of two. The server's
// route wrapper puts one in the request's context (WithPendingAudit) and
// arms it once it knows who is calling; a write that supports it (secrets,
// stages and event sources created, updated and deleted) takes it, fills
// in the object it changed and inserts it with the change. When no write
// took it, or the write failed, the wrapper records the request on its
// own, after the handler, as before.
//
// The write claims the record only after it knows it can record it, and
// Written says so only once the transaction committed: a failed write
// leaves it to the wrapper, which records the refusal.
type PendingAudit struct {
	// Event is the record as the wrapper knows it before the handler runs:
	// who, the route, the request, the status and outcome of a success.
	// The write sets ID, At, the object's id and name and, for an object
	// of a canvas, the canvas's id and name.
	Event AuditEvent
	// Now stamps the record when it is written (time.Now when nil).
	Now func() time.Time

	armed, taken, written bool
}

type pendingAuditKey struct{}

// WithPendingAudit returns ctx carrying p, which writes made with it may
// record in their own transaction once p is armed.
func WithPendingAudit(ctx context.Context, p *PendingAudit) context.Context {
	return context.WithValue(ctx, pendingAuditKey{}, p)
}

// Arm makes the record ready to be taken by a write: Event holds who is
// calling. Only the request's own goroutine touches p.
func (p *PendingAudit) Arm() { p.armed = true }

// Written reports whether a write inserted the record and committed it.
func (p *PendingAudit) Written() bool { return p != nil && p.written }

// takePendingAudit returns the armed record of ctx that no write took yet,
// marked taken, or nil. The caller calls done with its write's error.
// Only a record of the request's own object type is taken: a request
// about one object may write another on its way (a source's hook state
// while something else is changed), and that write must not take the
// record of the request and name itself as its object.
func takePendingAudit(ctx context.Context, objectType string) *PendingAudit {
	p, _ := ctx.Value(pendingAuditKey{}).(*PendingAudit)
	if p == nil || !p.armed || p.taken || p.written || p.Event.ObjectType != objectType {
		return nil
	}
	p.taken = true
	return p
}

// done ends the write that took p: committed, p is written; failed, p is
// free again for the wrapper's own record.
func (p *PendingAudit) done(err error) {
	if p == nil {
		return
	}
	p.taken = false
	p.written = err == nil
}

// event is p's record for the object objectID named objectName, in the
// canvas canvasID ("" for an object of the organization).
func (p *PendingAudit) event(objectID, objectName, canvasID string) AuditEvent {
	ev := p.Event
	ev.ID = NewTimeOrderedID()
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	ev.At = now().UTC().Truncate(time.Microsecond)
	ev.ObjectID, ev.ObjectName = objectID, objectName
	if canvasID != "" && ev.CanvasID != canvasID {
		ev.CanvasID, ev.CanvasName = canvasID, ""
	}
	return ev
}

// auditInsert is the statement that inserts ev (and its arguments), to run
// in the change's transaction or, on PostgreSQL, to prefix the change's
// statement as a WITH clause (one statement, one round trip, atomic). The
// canvas's name, when the record does not have it, is read in the same
// statement.
func (s *db) auditInsert(ev AuditEvent) (string, []any, error) {
	id, okID := canonicalID(ev.ID)
	org, okOrg := canonicalID(ev.OrgID)
	if !okID || !okOrg {
		return "", nil, NotFound("organization %q not found", ev.OrgID)
	}
	var canvas any
	if c, ok := canonicalID(ev.CanvasID); ok && ev.CanvasName == "" {
		canvas = c
	}
	return `INSERT INTO audit_events (` + auditColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			COALESCE((SELECT name FROM canvases WHERE id = ? AND org_id = ?), ?),
			?, ?, ?, ?, ?, ?, ?)`,
		[]any{id, org, s.time(ev.At), ev.ActorType, ev.ActorID, ev.ActorEmail, ev.TokenID, ev.SessionID, ev.Action,
			ev.ObjectType, ev.ObjectID, ev.ObjectName, ev.CanvasID, canvas, org, ev.CanvasName, ev.Method, ev.Route,
			ev.Status, ev.Outcome, ev.ClientIP, ev.UserAgent, ev.RequestID}, nil
}

// recordInTx inserts p's record for the object in q, the change's
// transaction; nil p records nothing.
func (s *db) recordInTx(ctx context.Context, q querier, p *PendingAudit, objectID, objectName, canvasID string) error {
	if p == nil {
		return nil
	}
	query, args, err := s.auditInsert(p.event(objectID, objectName, canvasID))
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, s.q(query), args...)
	return err
}

// NewTimeOrderedID is an audit record's id: a UUIDv7, whose leading bits
// are the time, so the trail's primary-key index grows at its end instead
// of taking inserts all over (a random UUID touches a random page of it per
// record; ~5% of a secret pair's time in process, more as the trail grows).
func NewTimeOrderedID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// The object types of the writes that take a request's record, as the
// server's records spell them (its route's collection, singular).
const (
	auditSecret      = "secret"
	auditStage       = "stage"
	auditEventSource = "event_source"
)
