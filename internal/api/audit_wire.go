package api

import "time"

// AuditEventsPath lists the organization's audit trail (an extension of
// v1): GET, owners and admins only.
const AuditEventsPath = "/api/v1/audit-events"

// AuditEvent is one recorded change: who (actor and the token or session
// used), what (action on an object, in a canvas), when, from where, and
// the outcome. It never holds a value: no body, secret data, key or token.
type AuditEvent struct {
	ID string     `json:"id"`
	At *time.Time `json:"at"`
	// ActorType is "user" (an API token's user) or "execution" (a CI run
	// pushing outputs).
	ActorType  string `json:"actorType"`
	ActorID    string `json:"actorId"`
	ActorEmail string `json:"actorEmail"`
	TokenID    string `json:"tokenId"`
	SessionID  string `json:"sessionId"`
	Action     string `json:"action"`
	ObjectType string `json:"objectType"`
	ObjectID   string `json:"objectId"`
	ObjectName string `json:"objectName"`
	CanvasID   string `json:"canvasId"`
	CanvasName string `json:"canvasName"`
	Method     string `json:"method"`
	Route      string `json:"route"`
	Status     int64  `json:"status"`
	// Outcome is "succeeded", "failed" or "denied" (401 or 403).
	Outcome   string `json:"outcome"`
	ClientIP  string `json:"clientIp"`
	UserAgent string `json:"userAgent"`
	RequestID string `json:"requestId"`
}

// ListAuditEventsResponse is a page of the audit trail, newest first, with
// the paging fields of the other lists.
type ListAuditEventsResponse struct {
	AuditEvents   []AuditEvent `json:"auditEvents"`
	HasNextPage   bool         `json:"hasNextPage"`
	LastTimestamp *time.Time   `json:"lastTimestamp"`
}
