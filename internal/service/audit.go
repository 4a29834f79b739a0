package service

import (
	"context"
	"errors"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Audit keeps the audit trail: the server records every state-changing
// request that got past authentication (Record), and owners and admins
// read it (List). A record names who, with which token, what, when, from
// where and the outcome; it never holds a value.
type Audit struct {
	Store store.Store
	Now   func() time.Time
}

// MaxAuditLimit is the largest ?limit= of the audit listing: under the
// store's MaxPageLimit, since the listing asks one more to tell a next page.
const MaxAuditLimit = 200

// AuditQuery is the audit listing's query string as sent.
type AuditQuery struct {
	Actor, ObjectType, Object, Canvas, Action, Outcome, Since, Until string
	Limit, Before, BeforeID                                          string
}

// Record stores e with a new id and the current time. Its caller answers
// only after Record returns, so an acknowledged change has its record.
func (a *Audit) Record(ctx context.Context, e store.AuditEvent) error {
	e.ID = store.NewTimeOrderedID()
	e.At = a.Now().UTC().Truncate(time.Microsecond)
	return a.Store.InsertAuditEvent(ctx, e)
}

// RecordPush records outputs pushed by a CI run to executionID: the actor
// is the execution (it proved itself with its output token or OIDC ID
// token), the object the execution in its stage's canvas.
func (a *Audit) RecordPush(ctx context.Context, executionID string, e store.AuditEvent) error {
	cur, err := a.Store.FindExecutionOutputs(ctx, executionID)
	if err != nil {
		return err
	}
	st, err := a.Store.FindStageByID(ctx, cur.Execution.StageID)
	if err != nil {
		return err
	}
	e.OrgID, e.CanvasID = st.OrgID, st.CanvasID
	if c, err := a.Store.FindCanvas(ctx, st.OrgID, st.CanvasID); err == nil {
		e.CanvasName = c.Name
	}
	e.ActorType, e.ActorID = store.AuditActorExecution, executionID
	e.ObjectType, e.ObjectID, e.ObjectName = "execution", executionID, st.Name
	return a.Record(ctx, e)
}

// List returns a page of the organization's audit records matching q,
// newest first; more says a next page exists. Owners and admins, or a
// custom organization role holding auditevent read: the trail tells who
// did what across the organization. The organization role decides without
// a statement; the caller's grants are read only when it does not.
func (a *Audit) List(ctx context.Context, p store.Principal, q AuditQuery) (_ []store.AuditEvent, more bool, _ error) {
	if !TokenAllows(p, api.ResourceAuditEvent, api.ActionRead) {
		access, err := (&Authorizer{Store: a.Store}).Access(ctx, p, "")
		if err != nil {
			return nil, false, err
		}
		if !access.Allows(api.ResourceAuditEvent, api.ActionRead) {
			return nil, false, errorf(api.CodePermissionDenied, "role %s may not read the audit trail", p.Role)
		}
	}
	f := store.AuditFilter{
		Actor: q.Actor, ObjectType: q.ObjectType, Object: q.Object, Canvas: q.Canvas,
		Action: q.Action, Outcome: q.Outcome,
	}
	switch q.Outcome {
	case "", store.AuditSucceeded, store.AuditFailed, store.AuditDenied:
	default:
		return nil, false, Invalid("outcome must be %s, %s or %s", store.AuditSucceeded, store.AuditFailed, store.AuditDenied)
	}
	var err error
	if f.Since, err = parseAuditTime("since", q.Since); err != nil {
		return nil, false, err
	}
	if f.Until, err = parseAuditTime("until", q.Until); err != nil {
		return nil, false, err
	}
	page, err := store.ParsePage(store.PageQuery{Limit: q.Limit, Before: q.Before, BeforeID: q.BeforeID},
		store.PageRules{DefaultLimit: store.DefaultPageLimit, MaxLimit: MaxAuditLimit, Item: "audit event"})
	if err != nil {
		var pe *store.PageError
		if errors.As(err, &pe) {
			return nil, false, Invalid("%s", pe.Message)
		}
		return nil, false, err
	}
	want := page.Limit
	page.Limit++
	events, err := a.Store.ListAuditEvents(ctx, p.Organization.ID, f, page)
	if err != nil {
		return nil, false, err
	}
	if len(events) > want {
		return events[:want], true, nil
	}
	return events, false, nil
}

func parseAuditTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, Invalid("%s must be an RFC 3339 time", field)
	}
	return t, nil
}
