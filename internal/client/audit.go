package client

import (
	"context"
	"net/http"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// AuditQuery selects a page of the organization's audit trail, newest
// first; an empty field matches every record.
type AuditQuery struct {
	// Actor is a user's id or email (or an execution's id).
	Actor string
	// ObjectType is canvas, secret, stage...; Object an object's id or name.
	ObjectType string
	Object     string
	// Canvas is a canvas's id or name.
	Canvas string
	// Action is create, update, delete, approve...; Outcome succeeded,
	// failed or denied.
	Action  string
	Outcome string
	// Since and Until bound the records' time: Since <= at < Until.
	Since, Until time.Time
	// Limit is the page size; zero means the server's default.
	Limit int
	// Before and BeforeID continue after the last record of the previous
	// page: its At and ID. A zero Before starts at the newest.
	Before   time.Time
	BeforeID string
}

// ListAuditEvents returns one page of the organization's audit trail,
// newest first. Owners and admins only: a viewer's token gets a 403
// (IsPermissionDenied).
func (c *Client) ListAuditEvents(ctx context.Context, q AuditQuery) (*api.ListAuditEventsResponse, error) {
	query := pageQuery(q.Limit, q.Before, q.BeforeID)
	for name, v := range map[string]string{
		"actor": q.Actor, "objectType": q.ObjectType, "object": q.Object, "canvas": q.Canvas,
		"action": q.Action, "outcome": q.Outcome,
	} {
		if v != "" {
			query.Set(name, v)
		}
	}
	for name, t := range map[string]time.Time{"since": q.Since, "until": q.Until} {
		if !t.IsZero() {
			query.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	var out api.ListAuditEventsResponse
	r := request{op: "list audit events", method: http.MethodGet, path: api.AuditEventsPath, query: query}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.AuditEvents == nil {
		out.AuditEvents = []api.AuditEvent{}
	}
	return &out, nil
}
