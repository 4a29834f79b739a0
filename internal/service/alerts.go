package service

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Alerts holds the rules for a canvas's alerts (runtime errors the engine
// raised) and rejections (events a stage did not take, and why). The
// engine writes both; users list them and acknowledge alerts.
type Alerts struct {
	Store store.Store
	Now   func() time.Time
}

// MaxAlertLimit is the largest ?limit= of the alerts and rejections
// listings.
const MaxAlertLimit = 200

// AlertQuery is the alerts listing's query string as sent.
type AlertQuery struct {
	IncludeAcked, Limit, Before, BeforeID string
}

// RejectionQuery is the rejections listing's query string as sent.
type RejectionQuery struct {
	TargetType, TargetID, Limit, Before, BeforeID string
}

// Rejection is a stored rejection with its event, when the event still
// exists.
type Rejection struct {
	store.Rejection
	Event *store.Event
}

// RejectionPage is a page of rejections with the count of all that match.
type RejectionPage struct {
	Rejections []Rejection
	Total      int
	More       bool
}

func parseAlertPage(limit, before, beforeID string) (store.Page, error) {
	page, err := store.ParsePage(store.PageQuery{Limit: limit, Before: before, BeforeID: beforeID},
		store.PageRules{DefaultLimit: store.DefaultPageLimit, MaxLimit: MaxAlertLimit})
	if err != nil {
		return page, Invalid("%s", err)
	}
	return page, nil
}

// List returns a page of the canvas's alerts, newest first; acknowledged
// ones only when includeAcked is "true". more says a next page exists.
func (s *Alerts) List(ctx context.Context, p store.Principal, canvasIDOrName string, q AlertQuery) (_ []store.Alert, more bool, _ error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return nil, false, err
	}
	includeAcked := false
	if q.IncludeAcked != "" {
		if includeAcked, err = strconv.ParseBool(q.IncludeAcked); err != nil {
			return nil, false, Invalid("includeAcked must be true or false")
		}
	}
	page, err := parseAlertPage(q.Limit, q.Before, q.BeforeID)
	if err != nil {
		return nil, false, err
	}
	want := page.Limit
	page.Limit++
	alerts, err := s.Store.ListAlerts(ctx, p.Organization.ID, c.ID, includeAcked, page)
	if err != nil {
		return nil, false, err
	}
	if len(alerts) > want {
		return alerts[:want], true, nil
	}
	return alerts, false, nil
}

// Acknowledge marks the canvas's alert acknowledged by the principal; an
// alert acknowledged before keeps its first acknowledgement.
func (s *Alerts) Acknowledge(ctx context.Context, p store.Principal, canvasIDOrName, alertID string) (store.Alert, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return store.Alert{}, err
	}
	return s.Store.AcknowledgeAlert(ctx, p.Organization.ID, c.ID, alertID, p.User.ID, s.Now())
}

// Rejections returns a page of the canvas's rejections, newest first,
// narrowed to one target when asked. targetId takes the target's id, or
// with targetType TYPE_STAGE or TYPE_EVENT_SOURCE also its name, so "why
// did my stage not run?" is one call with the stage's name.
func (s *Alerts) Rejections(ctx context.Context, p store.Principal, canvasIDOrName string, q RejectionQuery) (RejectionPage, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return RejectionPage{}, err
	}
	var f store.RejectionFilter
	switch q.TargetType {
	case "", api.ConnectionTypeUnknown:
	case api.ConnectionTypeStage, api.ConnectionTypeEventSource, api.ConnectionTypeConnectionGroup:
		f.TargetType = q.TargetType
	default:
		return RejectionPage{}, Invalid("targetType must be one of %s, %s, %s, %s", api.ConnectionTypeUnknown,
			api.ConnectionTypeEventSource, api.ConnectionTypeStage, api.ConnectionTypeConnectionGroup)
	}
	if f.TargetID, err = s.target(ctx, p, c.ID, f.TargetType, q.TargetID); err != nil {
		return RejectionPage{}, err
	}
	page, err := parseAlertPage(q.Limit, q.Before, q.BeforeID)
	if err != nil {
		return RejectionPage{}, err
	}
	want := page.Limit
	page.Limit++
	rs, total, err := s.Store.ListRejections(ctx, p.Organization.ID, c.ID, f, page)
	if err != nil {
		return RejectionPage{}, err
	}
	out := RejectionPage{Total: total, Rejections: []Rejection{}}
	if len(rs) > want {
		rs, out.More = rs[:want], true
	}
	// One lookup per rejection, at most a page of them: the event is
	// optional detail, and a rejection outlives its event.
	events := map[string]*store.Event{}
	for _, r := range rs {
		ev, seen := events[r.EventID]
		if !seen && r.EventID != "" {
			if found, err := s.Store.FindEvent(ctx, p.Organization.ID, c.ID, r.EventID); err == nil {
				ev = &found
			} else if !errors.Is(err, store.ErrNotFound) {
				return RejectionPage{}, err
			}
			events[r.EventID] = ev
		}
		out.Rejections = append(out.Rejections, Rejection{Rejection: r, Event: ev})
	}
	return out, nil
}

// target resolves the targetId of a rejections query: a stage's or a
// source's id or name when the type says which; otherwise the id as given.
// A name that matches nothing is 404, so a typo is not an empty answer.
func (s *Alerts) target(ctx context.Context, p store.Principal, canvasID, typ, idOrName string) (string, error) {
	if idOrName == "" {
		return "", nil
	}
	switch typ {
	case api.ConnectionTypeStage:
		st, err := s.Store.FindStage(ctx, p.Organization.ID, canvasID, idOrName)
		if err != nil {
			return "", err
		}
		return st.ID, nil
	case api.ConnectionTypeEventSource:
		es, err := s.Store.FindEventSource(ctx, p.Organization.ID, canvasID, idOrName)
		if err != nil {
			return "", err
		}
		return es.ID, nil
	case api.ConnectionTypeConnectionGroup:
		g, err := s.Store.FindConnectionGroup(ctx, p.Organization.ID, canvasID, idOrName)
		if err != nil {
			return "", err
		}
		return g.ID, nil
	}
	return idOrName, nil
}
