package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

var (
	weekDays = []string{"WEEK_DAY_MONDAY", "WEEK_DAY_TUESDAY", "WEEK_DAY_WEDNESDAY", "WEEK_DAY_THURSDAY", "WEEK_DAY_FRIDAY", "WEEK_DAY_SATURDAY", "WEEK_DAY_SUNDAY"}
)

// sourceSpec is a validated event source spec.
type sourceSpec struct {
	typ          string
	integration  *store.Integration
	resourceType string
	resourceName string
	events       []byte
	schedule     []byte
	// scheme is the store's signature scheme: "" or
	// webhook.SchemeStandardWebhooks; set tells whether the request named
	// one.
	scheme    string
	schemeSet bool
}

// validateSourceSpec checks spec for a source in canvas c; every error names
// its field.
func (s *Server) validateSourceSpec(ctx context.Context, p store.Principal, c store.Canvas, spec *api.EventSourceSpec) (sourceSpec, error) {
	if spec == nil {
		return sourceSpec{}, invalid("eventSource.spec is required")
	}
	out := sourceSpec{typ: spec.Type}
	switch spec.Type {
	case api.EventSourceTypeWebhook, api.EventSourceTypeManual, api.EventSourceTypeScheduled:
		if spec.Integration != nil && spec.Integration.Name != "" {
			return out, invalid("eventSource.spec.integration is not used by %s sources", spec.Type)
		}
		if spec.Resource != nil && spec.Resource.Name != "" {
			return out, invalid("eventSource.spec.resource is not used by %s sources", spec.Type)
		}
	case "":
		return out, invalid("eventSource.spec.type is required: webhook, github, semaphore, manual or scheduled")
	default:
		// A source of an integration type whose hooks SuperPlane provisions.
		typ, ok := integrationTypes.Hooks(spec.Type)
		if !ok {
			return out, invalid("eventSource.spec.type %q is not one of webhook, github, semaphore, manual, scheduled", spec.Type)
		}
		if spec.Integration == nil || spec.Integration.Name == "" {
			return out, invalid("eventSource.spec.integration.name is required for %s sources", spec.Type)
		}
		in, err := s.findSourceIntegration(ctx, p, c, spec.Integration)
		if err != nil {
			return out, err
		}
		if in.Type != spec.Type {
			return out, invalid("eventSource.spec.integration: integration %q is a %s integration, not %s", in.Name, in.Type, spec.Type)
		}
		out.integration = &in
		wantResource := typ.ResourceKind()
		if spec.Resource == nil || spec.Resource.Name == "" {
			return out, invalid("eventSource.spec.resource.name is required for %s sources: the %s", spec.Type, wantResource)
		}
		if spec.Resource.Type != "" && spec.Resource.Type != wantResource {
			return out, invalid("eventSource.spec.resource.type %q is not %q", spec.Resource.Type, wantResource)
		}
		if !api.RepositoryPattern.MatchString(spec.Resource.Name) {
			return out, invalid("eventSource.spec.resource.name %q must be 1-100 letters, digits, '.', '_' or '-'", spec.Resource.Name)
		}
		out.resourceType, out.resourceName = wantResource, spec.Resource.Name
	}

	var err error
	if out.scheme, out.schemeSet, err = signatureScheme(spec); err != nil {
		return out, err
	}

	if spec.Type == api.EventSourceTypeScheduled {
		if err := validateSchedule(spec.Schedule); err != nil {
			return out, err
		}
		b, _ := json.Marshal(spec.Schedule)
		out.schedule = b
	} else if spec.Schedule != nil && spec.Schedule.Type != "" {
		return out, invalid("eventSource.spec.schedule is only used by scheduled sources")
	}

	events := spec.Events
	if events == nil {
		events = []api.EventSourceEventType{}
	}
	seen := map[string]bool{}
	for i := range events {
		ev := &events[i]
		field := fmt.Sprintf("eventSource.spec.events[%d]", i)
		if !api.EventTypePattern.MatchString(ev.Type) {
			return out, invalid("%s.type %q must be 1-128 letters, digits, '.', '_', ':' or '-'", field, ev.Type)
		}
		if seen[ev.Type] {
			return out, invalid("%s.type %q is listed twice", field, ev.Type)
		}
		seen[ev.Type] = true
		if ev.FilterOperator == "" {
			ev.FilterOperator = api.FilterOperatorAnd
		}
		if ev.Filters == nil {
			ev.Filters = []api.Filter{}
		}
		if _, err := filter.CompileSet(field, ev.Filters, ev.FilterOperator); err != nil {
			return out, invalid("%s", err.Error())
		}
	}
	out.events, _ = json.Marshal(events)
	return out, nil
}

func validateSchedule(sc *api.EventSourceSchedule) error {
	if sc == nil {
		return invalid("eventSource.spec.schedule is required for scheduled sources")
	}
	switch sc.Type {
	case api.ScheduleTypeHourly:
		if sc.Hourly == nil || sc.Hourly.Minute < 0 || sc.Hourly.Minute > 59 {
			return invalid("eventSource.spec.schedule.hourly.minute must be 0-59")
		}
	case api.ScheduleTypeDaily:
		if sc.Daily == nil || !api.TimeOfDayPattern.MatchString(sc.Daily.Time) {
			return invalid("eventSource.spec.schedule.daily.time must be HH:MM (UTC, 24-hour)")
		}
	case api.ScheduleTypeWeekly:
		if sc.Weekly == nil || !slices.Contains(weekDays, sc.Weekly.WeekDay) {
			return invalid("eventSource.spec.schedule.weekly.weekDay must be one of %s", strings.Join(weekDays, ", "))
		}
		if !api.TimeOfDayPattern.MatchString(sc.Weekly.Time) {
			return invalid("eventSource.spec.schedule.weekly.time must be HH:MM (UTC, 24-hour)")
		}
	default:
		return invalid("eventSource.spec.schedule.type %q is not one of TYPE_HOURLY, TYPE_DAILY, TYPE_WEEKLY", sc.Type)
	}
	return nil
}

// findSourceIntegration resolves a source's integration reference: the
// canvas's own integration first, then the organization's, unless the
// reference names the domain.
func (s *Server) findSourceIntegration(ctx context.Context, p store.Principal, c store.Canvas, ref *api.IntegrationRef) (store.Integration, error) {
	var domains [][2]string
	switch ref.DomainType {
	case api.DomainTypeCanvas:
		domains = [][2]string{{store.DomainCanvas, c.ID}}
	case api.DomainTypeOrganization:
		domains = [][2]string{{store.DomainOrganization, p.Organization.ID}}
	case "", api.DomainTypeUnspecified:
		domains = [][2]string{{store.DomainCanvas, c.ID}, {store.DomainOrganization, p.Organization.ID}}
	default:
		return store.Integration{}, invalid("eventSource.spec.integration.domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", ref.DomainType)
	}
	for _, d := range domains {
		in, err := s.store.FindIntegration(ctx, p.Organization.ID, d[0], d[1], ref.Name)
		if err == nil {
			return in, nil
		}
		if !isNotFound(err) {
			return store.Integration{}, err
		}
	}
	return store.Integration{}, notFound("eventSource.spec.integration: integration %q not found", ref.Name)
}

func (s *Server) sourceToAPI(ctx context.Context, es store.EventSource) api.EventSource {
	created, updated := es.CreatedAt, es.UpdatedAt
	spec := &api.EventSourceSpec{Type: es.Type, Events: []api.EventSourceEventType{}}
	if len(es.Events) > 0 {
		_ = json.Unmarshal(es.Events, &spec.Events)
	}
	if len(es.Schedule) > 0 {
		_ = json.Unmarshal(es.Schedule, &spec.Schedule)
	}
	spec.SignatureScheme = signatureSchemeToAPI(es)
	if es.IntegrationID != "" {
		spec.Integration = &api.IntegrationRef{Name: es.IntegrationName}
		spec.Resource = &api.ResourceRef{Type: es.ResourceType, Name: es.ResourceName}
	}
	status := &api.EventSourceStatus{KeyVersion: es.KeyVersion, Webhook: &api.WebhookStatus{URL: s.hooks.URL(es), State: es.HookState, Reason: es.HookReason}}
	if !es.HookCheckedAt.IsZero() {
		t := es.HookCheckedAt
		status.Webhook.CheckedAt = &t
	}
	if es.LastEventID != "" {
		if ev, err := s.store.FindEvent(ctx, es.OrgID, es.CanvasID, es.LastEventID); err == nil {
			status.LastEvent = ptr(eventToAPI(ev))
		}
	}
	return api.EventSource{
		Metadata: &api.EventSourceMetadata{ID: es.ID, Name: es.Name, Description: es.Description, CanvasID: es.CanvasID, CreatedAt: &created, UpdatedAt: &updated, CreatedBy: es.CreatedBy},
		Spec:     spec,
		Status:   status,
	}
}

func eventToAPI(ev store.Event) api.Event {
	received := ev.ReceivedAt
	out := api.Event{
		ID: ev.ID, SourceID: ev.SourceID, SourceName: ev.SourceName, SourceType: "EVENT_SOURCE_TYPE_EVENT_SOURCE",
		Type: ev.Type, State: ev.State, StateReason: "STATE_REASON_UNKNOWN", ReceivedAt: &received,
		Raw: map[string]any{}, Headers: map[string]any{},
	}
	// Stored events are always JSON objects (the receiver refuses anything
	// else), but a reader never fails because of one event: one bad row
	// must not turn every listing of the canvas into a 500.
	_ = json.Unmarshal(ev.Raw, &out.Raw)
	_ = json.Unmarshal(ev.Headers, &out.Headers)
	// Events stored before reasons were kept are rejected by filters.
	if ev.State == api.EventStateRejected {
		out.StateReason = eventReasonFiltered
	}
	if ev.StateReason != "" {
		out.StateReason = ev.StateReason
	}
	// A pending event's message is why its last routing attempt failed.
	out.StateMessage = ev.StateMessage
	return out
}

func newSourceKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func (s *Server) canvasOf(ctx context.Context, p store.Principal, r *http.Request) (store.Canvas, error) {
	return s.store.FindCanvas(ctx, p.Organization.ID, r.PathValue("canvasIdOrName"))
}

func (s *Server) listEventSources(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	list, err := s.store.ListEventSources(r.Context(), p.Organization.ID, c.ID)
	if err != nil {
		return err
	}
	out := api.ListEventSourcesResponse{EventSources: make([]api.EventSource, 0, len(list))}
	for _, es := range list {
		out.EventSources = append(out.EventSources, s.sourceToAPI(r.Context(), es))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// describeEventSource answers a source. It never writes and never
// provisions: ?check=true (or ?refresh=true) adds a read-only look at the
// hook on the tool, for owner and admin tokens only (see hookcheck.go).
func (s *Server) describeEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	check := checkRequested(r)
	if check {
		if err := refuseViewerCheck(r, p); err != nil {
			return err
		}
	}
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	es, err := s.store.FindEventSource(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	var obs hookObservation
	if check && hooks.Needed(es.Type) {
		obs = s.observeHook(r.Context(), es)
	}
	writeJSON(w, http.StatusOK, api.EventSourceResponse{EventSource: ptr(s.sourceObserved(r.Context(), es, obs))})
	return nil
}

func (s *Server) createEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.EventSourceRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.EventSource == nil || req.EventSource.Metadata == nil {
		return invalid("eventSource.metadata.name is required")
	}
	m := req.EventSource.Metadata
	if err := validateName("eventSource.metadata.name", m.Name); err != nil {
		return err
	}
	if len(m.Description) > maxDescriptionLen {
		return invalid("eventSource.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	spec, err := s.validateSourceSpec(r.Context(), p, c, req.EventSource.Spec)
	if err != nil {
		return err
	}
	key, err := newSourceKey()
	if err != nil {
		return err
	}
	now := s.timestamp()
	es := store.EventSource{
		ID: uuid.NewString(), OrgID: p.Organization.ID, CanvasID: c.ID, Name: m.Name, Description: m.Description,
		Type: spec.typ, ResourceType: spec.resourceType, ResourceName: spec.resourceName,
		Events: spec.events, Schedule: spec.schedule, KeyVersion: 1, SignatureScheme: spec.scheme,
		CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now,
	}
	if spec.integration != nil {
		es.IntegrationID = spec.integration.ID
		es.HookState = hooks.StatePending
	}
	if es.KeyCiphertext, es.KeyID, err = s.seal.SealSourceKey(es.ID, []byte(key)); err != nil {
		return err
	}
	if err := s.store.CreateEventSource(r.Context(), es); err != nil {
		return err
	}
	if hooks.Needed(es.Type) {
		// Provision now so the answer shows the outcome; a failure is kept in
		// status and retried by the reconciler.
		if es, err = s.hooks.Provision(r.Context(), es, true); err != nil {
			return err
		}
	} else if es, err = s.store.FindEventSource(r.Context(), es.OrgID, es.CanvasID, es.ID); err != nil {
		return err
	}
	resp := api.EventSourceResponse{EventSource: ptr(s.sourceToAPI(r.Context(), es))}
	if es.Type == api.EventSourceTypeWebhook {
		resp.Key = senderKey(es, key)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// updateEventSource replaces the source's description and spec (the
// contract's full replacement) and its name when given. The type cannot
// change.
func (s *Server) updateEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.EventSourceRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.EventSource == nil {
		return invalid("eventSource is required")
	}
	m := req.EventSource.Metadata
	if m == nil {
		m = &api.EventSourceMetadata{}
	}
	if m.Name != "" {
		if err := validateName("eventSource.metadata.name", m.Name); err != nil {
			return err
		}
	}
	if len(m.Description) > maxDescriptionLen {
		return invalid("eventSource.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	current, err := s.store.FindEventSource(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	spec, err := s.validateSourceSpec(r.Context(), p, c, req.EventSource.Spec)
	if err != nil {
		return err
	}
	if spec.typ != current.Type {
		return invalid("eventSource.spec.type cannot be changed from %s to %s: create a new source", current.Type, spec.typ)
	}
	// The key was given to the sender in the scheme's form, and the sender
	// signs the scheme's way: both change together, with a new source.
	// Omitted keeps the current scheme.
	if spec.schemeSet && spec.scheme != current.SignatureScheme {
		return invalid("eventSource.spec.signatureScheme cannot be changed: create a new source")
	}
	newIntegration := ""
	if spec.integration != nil {
		newIntegration = spec.integration.ID
	}
	moved := hooks.Needed(current.Type) && (newIntegration != current.IntegrationID || spec.resourceName != current.ResourceName)
	if moved {
		// The hook lives on another repository (or behind another token):
		// remove the old one first, so nothing is left behind.
		if err := s.deprovision(r.Context(), current); err != nil {
			return err
		}
	}
	now := s.timestamp()
	es, err := s.store.UpdateEventSource(r.Context(), p.Organization.ID, c.ID, current.ID, func(es *store.EventSource) error {
		if m.Name != "" {
			es.Name = m.Name
		}
		es.Description = m.Description
		es.IntegrationID, es.ResourceType, es.ResourceName = newIntegration, spec.resourceType, spec.resourceName
		es.Events, es.Schedule = spec.events, spec.schedule
		if moved {
			es.HookID, es.HookState, es.HookReason = "", hooks.StatePending, ""
		}
		es.UpdatedAt = now
		return nil
	})
	if err != nil {
		return err
	}
	if hooks.Needed(es.Type) && hooks.UpdateProvisions(current, es, moved) {
		if es, err = s.hooks.Provision(r.Context(), es, moved); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, api.EventSourceResponse{EventSource: ptr(s.sourceToAPI(r.Context(), es))})
	return nil
}

func (s *Server) deleteEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	es, err := s.store.FindEventSource(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	users, err := s.stagesListeningTo(r.Context(), p.Organization.ID, c.ID, api.ConnectionTypeEventSource, es.Name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return &httpError{code: api.CodeAlreadyExists, message: fmt.Sprintf("event source %q is a connection of stage %s; change them first", es.Name, joinList(users))}
	}
	if r.URL.Query().Get("force") != "true" {
		if err := s.deprovision(r.Context(), es); err != nil {
			return err
		}
	}
	if err := s.store.DeleteEventSource(r.Context(), p.Organization.ID, c.ID, es.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

// resetEventSourceKey gives the source a new signing key. The previous key
// keeps verifying deliveries for the grace period, so senders can switch
// without losing any; a provisioned hook gets the new key at once.
func (s *Server) resetEventSourceKey(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	key, err := newSourceKey()
	if err != nil {
		return err
	}
	now := s.timestamp()
	es, err := s.store.UpdateEventSource(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"), func(es *store.EventSource) error {
		sealed, keyID, err := s.seal.SealSourceKey(es.ID, []byte(key))
		if err != nil {
			return err
		}
		es.PrevKeyCiphertext, es.PrevKeyExpiresAt = es.KeyCiphertext, now.Add(s.keyGrace)
		es.KeyCiphertext, es.KeyID = sealed, keyID
		es.KeyVersion++
		es.UpdatedAt = now
		return nil
	})
	if err != nil {
		return err
	}
	if hooks.Needed(es.Type) {
		if es, err = s.hooks.Provision(r.Context(), es, true); err != nil {
			return err
		}
	}
	resp := api.EventSourceResponse{EventSource: ptr(s.sourceToAPI(r.Context(), es))}
	if es.Type == api.EventSourceTypeWebhook {
		resp.Key = senderKey(es, key)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// deprovision removes the source's hook from the tool. It fails (and the
// caller keeps the source) when the tool cannot be told, so no hook is ever
// orphaned; ?force=true skips it.
func (s *Server) deprovision(ctx context.Context, es store.EventSource) error {
	if !hooks.Needed(es.Type) || es.IntegrationID == "" {
		return nil
	}
	if err := s.hooks.Remove(ctx, es); err != nil {
		return &httpError{code: api.CodeUnavailable, message: fmt.Sprintf(
			"cannot remove the webhook of event source %q from %s: %s (retry, or delete with ?force=true and remove the hook by hand)", es.Name, es.Type, err.Error())}
	}
	return nil
}
