package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// AlertQuery selects a page of a canvas's alerts, newest first.
type AlertQuery struct {
	// IncludeAcknowledged adds the acknowledged alerts to the open ones.
	IncludeAcknowledged bool
	// Limit is the page size; zero means the server's default.
	Limit int
	// Before and BeforeID continue after the last alert of the previous
	// page: its CreatedAt and ID. A zero Before starts at the newest.
	Before   time.Time
	BeforeID string
}

// RejectionQuery selects a page of a canvas's event rejections, newest
// first.
type RejectionQuery struct {
	// TargetType (api.ConnectionTypeStage, ...) and TargetID narrow the list
	// to one target; this server also takes a stage's or source's name as
	// TargetID when TargetType says which.
	TargetType string
	TargetID   string
	// Limit is the page size; zero means the server's default.
	Limit int
	// Before and BeforeID continue after the last rejection of the previous
	// page: its RejectedAt and ID. A zero Before starts at the newest.
	Before   time.Time
	BeforeID string
}

func alertsPath(canvas string) string {
	return "/api/v1/canvases/" + url.PathEscape(canvas) + "/alerts"
}

// ListAlerts returns one page of a canvas's alerts, newest first. A
// missing canvas satisfies IsNotFound.
func (c *Client) ListAlerts(ctx context.Context, canvas string, q AlertQuery) (*api.ListAlertsResponse, error) {
	if canvas == "" {
		return nil, errors.New("list alerts: a canvas id or name is required")
	}
	query := pageQuery(q.Limit, q.Before, q.BeforeID)
	if q.IncludeAcknowledged {
		query.Set("includeAcked", "true")
	}
	var out api.ListAlertsResponse
	r := request{op: "list alerts", method: http.MethodGet, path: alertsPath(canvas), query: query}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Alerts == nil {
		out.Alerts = []api.Alert{}
	}
	return &out, nil
}

// AcknowledgeAlert acknowledges an alert of a canvas and returns it. It is
// idempotent: an alert acknowledged before keeps its first acknowledgement.
// A missing canvas or alert satisfies IsNotFound.
func (c *Client) AcknowledgeAlert(ctx context.Context, canvas, alertID string) (*api.Alert, error) {
	if canvas == "" || alertID == "" {
		return nil, errors.New("acknowledge alert: a canvas and an alert id are required")
	}
	var out api.AcknowledgeAlertResponse
	r := request{op: "acknowledge alert", method: http.MethodPatch, path: alertsPath(canvas) + "/" + url.PathEscape(alertID) + "/acknowledge"}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Alert == nil {
		return nil, errors.New("acknowledge alert: the server answered without the alert")
	}
	return out.Alert, nil
}

// ListRejections returns one page of a canvas's event rejections, newest
// first. A missing canvas, or a target named that does not exist, satisfies
// IsNotFound.
func (c *Client) ListRejections(ctx context.Context, canvas string, q RejectionQuery) (*api.ListEventRejectionsResponse, error) {
	if canvas == "" {
		return nil, errors.New("list rejections: a canvas id or name is required")
	}
	query := pageQuery(q.Limit, q.Before, q.BeforeID)
	if q.TargetType != "" {
		query.Set("targetType", q.TargetType)
	}
	if q.TargetID != "" {
		query.Set("targetId", q.TargetID)
	}
	var out api.ListEventRejectionsResponse
	r := request{op: "list rejections", method: http.MethodGet, path: "/api/v1/canvases/" + url.PathEscape(canvas) + "/rejections", query: query}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Rejections == nil {
		out.Rejections = []api.EventRejection{}
	}
	return &out, nil
}
