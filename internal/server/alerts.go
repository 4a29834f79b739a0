package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// listAlerts serves GET /api/v1/canvases/{canvasIdOrName}/alerts: the
// canvas's open alerts newest first (?includeAcked=true adds the
// acknowledged ones), a page at a time (?limit=, ?before=, ?beforeId=).
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	q := r.URL.Query()
	alerts, more, err := s.alerts.List(r.Context(), p, r.PathValue("canvasIdOrName"), service.AlertQuery{
		IncludeAcked: q.Get("includeAcked"), Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId"),
	})
	if err != nil {
		return err
	}
	out := api.ListAlertsResponse{Alerts: []api.Alert{}, HasNextPage: more}
	for _, a := range alerts {
		out.Alerts = append(out.Alerts, alertToAPI(a))
	}
	if n := len(alerts); n > 0 {
		last := alerts[n-1].CreatedAt
		out.LastTimestamp = &last
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// acknowledgeAlert serves PATCH
// /api/v1/canvases/{canvasIdOrName}/alerts/{alertId}/acknowledge (owner and
// admin, as approvals).
func (s *Server) acknowledgeAlert(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	a, err := s.alerts.Acknowledge(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("alertId"))
	if err != nil {
		return err
	}
	out := alertToAPI(a)
	writeJSON(w, http.StatusOK, api.AcknowledgeAlertResponse{Alert: &out})
	return nil
}

// listRejections serves GET /api/v1/canvases/{canvasIdOrName}/rejections:
// why events did not become work, newest first, narrowed by ?targetType=
// and ?targetId= (an id, or a stage's or source's name with its type).
func (s *Server) listRejections(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	q := r.URL.Query()
	page, err := s.alerts.Rejections(r.Context(), p, r.PathValue("canvasIdOrName"), service.RejectionQuery{
		TargetType: q.Get("targetType"), TargetID: q.Get("targetId"),
		Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId"),
	})
	if err != nil {
		return err
	}
	out := api.ListEventRejectionsResponse{Rejections: []api.EventRejection{}, TotalCount: int64(page.Total), HasNextPage: page.More}
	for _, rj := range page.Rejections {
		at := rj.CreatedAt
		wire := api.EventRejection{
			ID: rj.ID, TargetType: rj.TargetType, TargetID: rj.TargetID, TargetName: rj.TargetName,
			Reason: rj.Reason, Message: rj.Message, RejectedAt: &at, EventID: rj.EventID,
		}
		if rj.Event != nil {
			ev := s.eventToAPI(*rj.Event)
			wire.Event = &ev
		}
		out.Rejections = append(out.Rejections, wire)
	}
	if n := len(page.Rejections); n > 0 {
		last := page.Rejections[n-1].CreatedAt
		out.LastTimestamp = &last
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func alertToAPI(a store.Alert) api.Alert {
	created, seen := a.CreatedAt, a.LastSeenAt
	out := api.Alert{
		ID: a.ID, Type: a.Type, Message: a.Message, SourceID: a.SourceID, SourceType: a.SourceType,
		Acknowledged: !a.AcknowledgedAt.IsZero(), CreatedAt: &created, SourceName: a.SourceName, Kind: a.Kind,
		Count: int64(a.Count), LastSeenAt: &seen, AcknowledgedBy: a.AcknowledgedBy,
	}
	if out.Acknowledged {
		at := a.AcknowledgedAt
		out.AcknowledgedAt = &at
	}
	return out
}
