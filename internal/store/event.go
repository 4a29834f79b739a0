package store

import (
	"context"
	"time"
)

// EventSource is where events enter a canvas: a custom webhook, a GitHub or
// Semaphore source provisioned through an integration, a manual source or a
// schedule.
type EventSource struct {
	ID          string
	OrgID       string
	CanvasID    string
	Name        string
	Description string
	Type        string // webhook, github, semaphore, manual, scheduled
	// IntegrationID is the integration a github or semaphore source goes
	// through ("" otherwise); IntegrationName is read from it.
	IntegrationID   string
	IntegrationName string
	ResourceType    string // e.g. "repository"
	ResourceName    string // e.g. "app" (the owner comes from the integration)
	// Events and Schedule are the spec's JSON (validated by the server):
	// []api.EventSourceEventType and *api.EventSourceSchedule. Like every
	// bytes field of EventSource and Event, empty reads back as nil.
	Events   []byte
	Schedule []byte
	// The signing key, sealed by the keyring with the source id as
	// associated data. PrevKey* is the key replaced by the last reset-key,
	// still accepted until PrevKeyExpiresAt.
	KeyID             string
	KeyCiphertext     []byte
	KeyVersion        int64
	PrevKeyCiphertext []byte
	PrevKeyExpiresAt  time.Time
	// External webhook provisioning: the hook's id on the tool, its state
	// ("" none needed, "pending", "ready", "failed", "repaired"), the tool's
	// reason, when it was last checked, and when to try again after a failure.
	HookID          string
	HookState       string
	HookReason      string
	HookCheckedAt   time.Time
	HookAttempts    int
	HookNextAttempt time.Time
	// SignatureScheme is how a custom webhook source's deliveries are
	// signed: "" (HMAC of the body) or "standard-webhooks".
	SignatureScheme string
	// LastEventID is the newest event received (status.lastEvent).
	LastEventID string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Event is one delivery accepted by an event source, stored before the
// sender is answered.
type Event struct {
	ID         string
	OrgID      string
	CanvasID   string
	SourceID   string
	SourceName string // read from the source
	Type       string // e.g. the X-GitHub-Event value, or "webhook"
	// DeliveryID is the sender's id for the delivery (X-GitHub-Delivery); a
	// second delivery with the same id for the same source is not stored.
	DeliveryID string
	Raw        []byte // a JSON object
	Headers    []byte // a JSON object of lower-cased header names to values
	State      string // STATE_PENDING, STATE_PROCESSED, STATE_REJECTED
	// StateReason and StateMessage say why an event was rejected: the
	// source's filters (STATE_REASON_FILTERED), or an error
	// (STATE_REASON_ERROR) with its message, such as an expression that
	// exceeded its limits or routing that failed MaxRouteAttempts times.
	StateReason  string
	StateMessage string
	// RouteAttempts is how many times routing the event was started (read
	// only; RouteEvents counts it).
	RouteAttempts int
	ReceivedAt    time.Time
}

// EventPage selects a page of events, newest first. Before is the keyset
// cursor: the (ReceivedAt, ID) of the last event of the previous page; a
// zero BeforeTime asks for the first page, and BeforeTime without BeforeID
// for the events strictly older than BeforeTime.
type EventPage struct {
	SourceID   string // "" for every source of the canvas
	BeforeTime time.Time
	BeforeID   string
	Limit      int // <= 0 means 50; at most 500
}

// EventSourceStore is the part of Store that keeps event sources and their
// events.
type EventSourceStore interface {
	// FindIntegrationByID returns the integration with this id in the
	// organization, whatever its domain, or ErrNotFound.
	FindIntegrationByID(ctx context.Context, orgID, id string) (Integration, error)

	// CreateEventSource inserts es. ErrConflict when the name is taken in the
	// canvas; ErrNotFound when its canvas does not exist in the organization,
	// or its integration is not one the canvas may use (the organization's
	// or the canvas's own).
	CreateEventSource(ctx context.Context, es EventSource) error
	// FindEventSource returns the canvas's source by id or name, or ErrNotFound.
	FindEventSource(ctx context.Context, orgID, canvasID, idOrName string) (EventSource, error)
	// FindEventSourceByID returns the source with this id in any
	// organization (for receivers, which have no token), or ErrNotFound.
	FindEventSourceByID(ctx context.Context, id string) (EventSource, error)
	// ListEventSources returns the canvas's sources ordered by name.
	ListEventSources(ctx context.Context, orgID, canvasID string) ([]EventSource, error)
	// UpdateEventSource loads the source, lets fn change it and writes it back
	// in one transaction. fn must not call the store, and cannot change ID,
	// OrgID, CanvasID, CreatedBy, CreatedAt or LastEventID. ErrNotFound when
	// missing or when fn sets an integration the canvas cannot use,
	// ErrConflict on a taken name; fn's error aborts.
	UpdateEventSource(ctx context.Context, orgID, canvasID, idOrName string, fn func(*EventSource) error) (EventSource, error)
	// DeleteEventSource deletes the source and its events. ErrNotFound when missing.
	DeleteEventSource(ctx context.Context, orgID, canvasID, idOrName string) error
	// EventSourcesWithHooks returns up to limit sources of any organization
	// whose type needs an external hook (github, semaphore), in id order after
	// afterID ("" for the first page), for the reconciler.
	EventSourcesWithHooks(ctx context.Context, afterID string, limit int) ([]EventSource, error)
	// EventSourcesNotUnderKey returns up to limit sources of any organization
	// whose signing key is sealed under another key than keyID, in id order.
	EventSourcesNotUnderKey(ctx context.Context, keyID string, limit int) ([]EventSource, error)
	// RewrapEventSourceKey replaces the sealed signing key and previous key
	// of source id when its stored signing key still equals oldKey
	// (compare-and-swap); it reports whether it did.
	RewrapEventSourceKey(ctx context.Context, id string, oldKey, newKey, newPrevKey []byte, newKeyID string) (bool, error)
	// EventSourcesUsingIntegration returns the sources going through the
	// integration with this id.
	EventSourcesUsingIntegration(ctx context.Context, integrationID string) ([]EventSource, error)

	// InsertEvent stores ev and makes it its source's last event, in one
	// transaction that is durable when InsertEvent returns. OrgID, CanvasID
	// and SourceName are taken from the source. When ev.DeliveryID is set and
	// the source already has an event with it, nothing is stored and the
	// earlier event is returned with inserted false (concurrent redeliveries
	// included). ErrNotFound when the source does not exist; ErrConflict when
	// ev.ID is taken.
	InsertEvent(ctx context.Context, ev Event) (stored Event, inserted bool, err error)
	// FindEvent returns the event with this id in the canvas, or ErrNotFound.
	FindEvent(ctx context.Context, orgID, canvasID, id string) (Event, error)
	// FindEventByDeliveryID returns the source's event stored with this
	// (non-empty) delivery id, or ErrNotFound.
	FindEventByDeliveryID(ctx context.Context, sourceID, deliveryID string) (Event, error)
	// ListEvents returns a page of the canvas's events, newest first; the
	// query uses an index and a keyset cursor, so it does not slow down with
	// history.
	ListEvents(ctx context.Context, orgID, canvasID string, page EventPage) ([]Event, error)
}
