package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// EventSources holds the rules for event sources: their spec, their signing
// keys (sealed through the sealer), the webhooks provisioned for them on
// external tools, and the read-only checks of those webhooks.
type EventSources struct {
	Store  store.Store
	Sealer *sealer.Sealer
	// Hooks provisions, checks and removes the webhooks on the tools.
	Hooks *hooks.Provisioner
	// Types tells which source types have hooks on a tool, and what
	// resource they name.
	Types *integration.Registry
	Now   func() time.Time
	// KeyGrace is how long a source's previous key still verifies after
	// reset-key.
	KeyGrace time.Duration
	// CheckEvery is how often, at most, a read-only check asks the tool
	// about one source's hook; 0 checks on every request.
	CheckEvery time.Duration
	// checks rate-limits the read-only checks (hookcheck.go).
	checks hookChecks
}

// Source is an event source as answered: the stored record and what the
// answer adds to it.
type Source struct {
	store.EventSource
	// WebhookURL is where the source receives deliveries.
	WebhookURL string
	// LastEvent is the source's last event; nil when it has none or it
	// cannot be read (a listing never fails because of one event).
	LastEvent *store.Event
	// Observed is what a read-only check of the hook found; zero when no
	// check was asked for.
	Observed HookObservation
	// Key is the new signing key, set only by Create and ResetKey: the one
	// time it is shown.
	Key string
}

// view is es as answered.
func (s *EventSources) view(ctx context.Context, es store.EventSource) Source {
	out := Source{EventSource: es, WebhookURL: s.Hooks.URL(es)}
	if es.LastEventID != "" {
		if ev, err := s.Store.FindEvent(ctx, es.OrgID, es.CanvasID, es.LastEventID); err == nil {
			out.LastEvent = &ev
		}
	}
	return out
}

func newSourceKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// List returns the event sources of the canvas canvasIDOrName.
func (s *EventSources) List(ctx context.Context, p store.Principal, canvasIDOrName string) ([]Source, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.ListEventSources(ctx, p.Organization.ID, c.ID)
	if err != nil {
		return nil, err
	}
	// The sources' last events in one read, not one query per source.
	var lastIDs []string
	for _, es := range list {
		if es.LastEventID != "" {
			lastIDs = append(lastIDs, es.LastEventID)
		}
	}
	last, err := s.Store.FindEventsByID(ctx, p.Organization.ID, c.ID, lastIDs)
	if err != nil {
		last = nil // as view: the sources were read
	}
	out := make([]Source, 0, len(list))
	for _, es := range list {
		src := Source{EventSource: es, WebhookURL: s.Hooks.URL(es)}
		if ev, ok := last[es.LastEventID]; ok {
			src.LastEvent = &ev
		}
		out = append(out, src)
	}
	return out, nil
}

// Find returns the event source idOrName of a canvas. It never writes and
// never provisions: check adds a read-only look at the hook on the tool
// (see Observe); who may ask for one is the server's decision.
func (s *EventSources) Find(ctx context.Context, p store.Principal, canvasIDOrName, idOrName string, check bool) (Source, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return Source{}, err
	}
	es, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return Source{}, err
	}
	var obs HookObservation
	if check && hooks.Needed(es.Type) {
		obs = s.Observe(ctx, es)
	}
	out := s.view(ctx, es)
	out.Observed = obs
	return out, nil
}

// Create creates an event source from a v1 request in the canvas
// canvasIDOrName, with the signing key the request supplies or a new one
// (then in the answer's Key only), and
// provisions its hook on the tool when it has one.
func (s *EventSources) Create(ctx context.Context, p store.Principal, canvasIDOrName string, req api.EventSourceRequest) (Source, error) {
	if req.EventSource == nil || req.EventSource.Metadata == nil {
		return Source{}, Invalid("eventSource.metadata.name is required")
	}
	m := req.EventSource.Metadata
	if err := ValidateName("eventSource.metadata.name", m.Name); err != nil {
		return Source{}, err
	}
	if len(m.Description) > MaxDescriptionLen {
		return Source{}, Invalid("eventSource.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return Source{}, err
	}
	spec, err := s.validateSourceSpec(ctx, p, c, req.EventSource.Spec)
	if err != nil {
		return Source{}, err
	}
	key, shown, err := signingKey("key", req.Key, spec.typ, spec.scheme)
	if err != nil {
		return Source{}, err
	}
	now := Timestamp(s.Now)
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
	if es.KeyCiphertext, es.KeyID, err = s.Sealer.SealSourceKey(es.ID, key); err != nil {
		return Source{}, err
	}
	if err := s.Store.CreateEventSource(ctx, es); err != nil {
		return Source{}, err
	}
	// Without a hook the answer is the source as written: a read back
	// would return the same row (TestSourceCreateAnswersAsItsRead), one
	// statement more a create (BENCHMARKS.md, issue 17 round thirteen).
	if hooks.Needed(es.Type) {
		// Provision now so the answer shows the outcome; a failure is kept in
		// status and retried by the reconciler.
		if es, err = s.Hooks.Provision(ctx, es, true); err != nil {
			return Source{}, err
		}
	}
	out := s.view(ctx, es)
	out.Key = shown
	return out, nil
}

// Update replaces the source's description and spec (the contract's full
// replacement) and its name when given. The type cannot change. When the
// hook moves (another integration or resource) the old one is removed from
// the tool first and, when the tool cannot be told, the source stays as it
// was, unless force: then the source moves and the old hook stays on the
// tool, to be removed by hand, as a forced delete leaves it.
func (s *EventSources) Update(ctx context.Context, p store.Principal, canvasIDOrName, idOrName string, req api.EventSourceRequest, force bool) (Source, error) {
	if req.EventSource == nil {
		return Source{}, Invalid("eventSource is required")
	}
	if req.Key != "" {
		return Source{}, Invalid("key cannot be set by an update: reset the key (POST .../reset-key with a key)")
	}
	// The contract's update is a full replacement: metadata comes again,
	// as a real v1 server requires (its name may be the current one).
	m := req.EventSource.Metadata
	if m == nil {
		return Source{}, Invalid("eventSource.metadata is required (an update replaces the whole source)")
	}
	if m.Name != "" {
		if err := ValidateName("eventSource.metadata.name", m.Name); err != nil {
			return Source{}, err
		}
	}
	if len(m.Description) > MaxDescriptionLen {
		return Source{}, Invalid("eventSource.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return Source{}, err
	}
	current, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return Source{}, err
	}
	spec, err := s.validateSourceSpec(ctx, p, c, req.EventSource.Spec)
	if err != nil {
		return Source{}, err
	}
	if spec.typ != current.Type {
		return Source{}, Invalid("eventSource.spec.type cannot be changed from %s to %s: create a new source", current.Type, spec.typ)
	}
	// The key was given to the sender in the scheme's form, and the sender
	// signs the scheme's way: both change together, with a new source.
	// Omitted keeps the current scheme.
	if spec.schemeSet && spec.scheme != current.SignatureScheme {
		return Source{}, Invalid("eventSource.spec.signatureScheme cannot be changed: create a new source")
	}
	newIntegration := ""
	if spec.integration != nil {
		newIntegration = spec.integration.ID
	}
	moved := hooks.Needed(current.Type) && (newIntegration != current.IntegrationID || spec.resourceName != current.ResourceName)
	if moved {
		// The hook lives on another repository (or behind another token):
		// remove the old one first, so nothing is left behind.
		if err := s.Deprovision(ctx, current); err != nil && !force {
			return Source{}, err
		}
	}
	now := Timestamp(s.Now)
	es, err := s.Store.UpdateEventSource(ctx, p.Organization.ID, c.ID, current.ID, func(es *store.EventSource) error {
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
		return Source{}, err
	}
	// A rename, description or filter change leaves the tool alone (and
	// the status unchanged, so plans stay quiet): see hooks.UpdateProvisions.
	if hooks.Needed(es.Type) && hooks.UpdateProvisions(current, es, moved) {
		if es, err = s.Hooks.Provision(ctx, es, moved); err != nil {
			return Source{}, err
		}
	}
	return s.view(ctx, es), nil
}

// Delete deletes the event source idOrName of a canvas. A stage connected
// to it keeps it (409). Its hook is removed from the tool first, unless
// force; if the tool cannot be told, the source stays.
func (s *EventSources) Delete(ctx context.Context, p store.Principal, canvasIDOrName, idOrName string, force bool) error {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return err
	}
	es, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return err
	}
	users, err := stagesConnectedTo(ctx, s.Store, p.Organization.ID, c.ID, api.ConnectionTypeEventSource, es.Name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return inUse("event source %q is a connection of stage %s; change them first", es.Name, strings.Join(users, ", "))
	}
	groups, err := groupsConnectedTo(ctx, s.Store, p.Organization.ID, c.ID, api.ConnectionTypeEventSource, es.Name)
	if err != nil {
		return err
	}
	if len(groups) > 0 {
		return inUse("event source %q is a connection of connection group %s; change them first", es.Name, strings.Join(groups, ", "))
	}
	if !force {
		if err := s.Deprovision(ctx, es); err != nil {
			return err
		}
	}
	return s.Store.DeleteEventSource(ctx, p.Organization.ID, c.ID, es.ID)
}

// stagesConnectedTo returns the quoted names of the canvas's stages with a
// connection of type typ to name.
func stagesConnectedTo(ctx context.Context, st store.Store, orgID, canvasID, typ, name string) ([]string, error) {
	list, err := st.ListStages(ctx, orgID, canvasID)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, stage := range list {
		// A spec that does not decode is an error, not "connected to
		// nothing", which would let a source in use be deleted.
		spec, err := stageSpec(stage)
		if err != nil {
			return nil, err
		}
		for _, conn := range spec.Connections {
			if conn.Type == typ && conn.Name == name {
				users = append(users, strconv.Quote(stage.Name))
				break
			}
		}
	}
	return users, nil
}

// ResetKey gives the source a new signing key: supplied (a webhook source
// only, never answered back) or generated (in the answer's Key only). The
// previous key keeps verifying deliveries for the grace period, so
// senders can switch without losing any; a provisioned hook gets the new
// key at once.
func (s *EventSources) ResetKey(ctx context.Context, p store.Principal, canvasIDOrName, idOrName, supplied string) (Source, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return Source{}, err
	}
	// Type and scheme never change, so the key checked against them here
	// is still right inside the update.
	current, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return Source{}, err
	}
	key, shown, err := signingKey("key", supplied, current.Type, current.SignatureScheme)
	if err != nil {
		return Source{}, err
	}
	now := Timestamp(s.Now)
	es, err := s.Store.UpdateEventSource(ctx, p.Organization.ID, c.ID, current.ID, func(es *store.EventSource) error {
		sealed, keyID, err := s.Sealer.SealSourceKey(es.ID, key)
		if err != nil {
			return err
		}
		prev := es.KeyCiphertext
		if es.KeyID != keyID {
			// The row records the current key's key id only, so a
			// previous key left under an older key-encryption key would
			// be passed over by keys rotate and not counted by keys
			// remove, and its grace would end with that key. It moves
			// under the new key's; one that no longer opens stays as it is.
			if rewrapped, err := s.Sealer.RewrapSourceKey(es.ID, prev); err == nil {
				prev = rewrapped
			}
		}
		es.PrevKeyCiphertext, es.PrevKeyExpiresAt = prev, now.Add(s.KeyGrace)
		es.KeyCiphertext, es.KeyID = sealed, keyID
		es.KeyVersion++
		es.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Source{}, err
	}
	if hooks.Needed(es.Type) {
		if es, err = s.Hooks.Provision(ctx, es, true); err != nil {
			return Source{}, err
		}
	}
	out := s.view(ctx, es)
	out.Key = shown
	return out, nil
}

// Deprovision removes the source's hook from the tool. It fails (and the
// caller keeps the source) when the tool cannot be told, so no hook is ever
// orphaned; deleting with ?force=true skips it. It is Canvases.Deprovision.
func (s *EventSources) Deprovision(ctx context.Context, es store.EventSource) error {
	if !hooks.Needed(es.Type) || es.IntegrationID == "" {
		return nil
	}
	if err := s.Hooks.Remove(ctx, es); err != nil {
		return unavailable("cannot remove the webhook of event source %q from %s: %s (retry, or delete with ?force=true and remove the hook by hand)", es.Name, es.Type, err.Error())
	}
	return nil
}
