package api

import (
	"encoding/json"
	"time"
)

// Event source types (spec.type).
const (
	EventSourceTypeWebhook   = "webhook"
	EventSourceTypeGitHub    = "github"
	EventSourceTypeSemaphore = "semaphore"
	EventSourceTypeGitLab    = "gitlab"
	EventSourceTypeBitbucket = "bitbucket"
	EventSourceTypeManual    = "manual"
	EventSourceTypeScheduled = "scheduled"
)

// EventSourceTypes lists the event source types in the order messages and
// docs name them; the integration types whose sources get a webhook sit
// between webhook and manual. internal/integration/all checks them against
// the registered types.
func EventSourceTypes() []string {
	return []string{EventSourceTypeWebhook, EventSourceTypeGitHub, EventSourceTypeSemaphore, EventSourceTypeGitLab, EventSourceTypeBitbucket, EventSourceTypeAzureDevOps, EventSourceTypeDatadog, EventSourceTypeManual, EventSourceTypeScheduled}
}

// EventSourceResourceKinds maps the source types that watch a resource on
// their tool to its kind, the only value spec.resource.type may take: each
// is the integration type's Hooks.ResourceKind, which
// internal/integration/all checks.
func EventSourceResourceKinds() map[string]string {
	return map[string]string{EventSourceTypeGitHub: "repository", EventSourceTypeSemaphore: "project", EventSourceTypeGitLab: "project", EventSourceTypeBitbucket: "repository", EventSourceTypeAzureDevOps: "project", EventSourceTypeDatadog: DatadogResourceKind}
}

// Filter types and operators.
const (
	FilterTypeData     = "FILTER_TYPE_DATA"
	FilterTypeHeader   = "FILTER_TYPE_HEADER"
	FilterOperatorAnd  = "FILTER_OPERATOR_AND"
	FilterOperatorOr   = "FILTER_OPERATOR_OR"
	ScheduleTypeHourly = "TYPE_HOURLY"
	ScheduleTypeDaily  = "TYPE_DAILY"
	ScheduleTypeWeekly = "TYPE_WEEKLY"
)

// Signature schemes of custom webhook sources (spec.signatureScheme).
const (
	// SignatureSchemeHMAC, the default: X-Signature-256: sha256=<hex
	// HMAC-SHA256 of the body>, with the key as given.
	SignatureSchemeHMAC = "SIGNATURE_SCHEME_HMAC_SHA256"
	// SignatureSchemeStandardWebhooks: https://www.standardwebhooks.com/
	// (webhook-id, webhook-timestamp, webhook-signature), the key given as
	// whsec_<base64>; the delivery id is signed and the timestamp must be
	// within 5 minutes, so a captured delivery cannot be replayed as new.
	SignatureSchemeStandardWebhooks = "SIGNATURE_SCHEME_STANDARD_WEBHOOKS"
)

// Event states.
const (
	EventStatePending   = "STATE_PENDING"
	EventStateProcessed = "STATE_PROCESSED"
	EventStateRejected  = "STATE_REJECTED"
)

// EventSourceMetadata is SuperplaneEventSourceMetadata.
type EventSourceMetadata struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	CanvasID    string     `json:"canvasId"`
	CreatedAt   *time.Time `json:"createdAt"`
	UpdatedAt   *time.Time `json:"updatedAt"`
	// CreatedBy is an extension, as on secrets.
	CreatedBy string `json:"createdBy,omitempty"`
}

// IntegrationRef is IntegrationsIntegrationRef.
type IntegrationRef struct {
	DomainType string `json:"domainType"`
	Name       string `json:"name"`
}

// ResourceRef is IntegrationsResourceRef, e.g. {type: "repository", name: "app"}.
type ResourceRef struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// DataFilter and HeaderFilter hold an expr-lang expression.
type DataFilter struct {
	Expression string `json:"expression"`
}

// HeaderFilter is SuperplaneHeaderFilter.
type HeaderFilter struct {
	Expression string `json:"expression"`
}

// Filter is SuperplaneFilter.
type Filter struct {
	Type   string        `json:"type"`
	Data   *DataFilter   `json:"data"`
	Header *HeaderFilter `json:"header"`
}

// EventSourceEventType is EventSourceEventType: an event type the source
// accepts, with filters.
type EventSourceEventType struct {
	Type           string   `json:"type"`
	Filters        []Filter `json:"filters"`
	FilterOperator string   `json:"filterOperator"`
}

// HourlySchedule is EventSourceHourlySchedule.
type HourlySchedule struct {
	Minute int `json:"minute"`
}

// DailySchedule is EventSourceDailySchedule ("HH:MM" UTC).
type DailySchedule struct {
	Time string `json:"time"`
}

// WeeklySchedule is EventSourceWeeklySchedule.
type WeeklySchedule struct {
	WeekDay string `json:"weekDay"`
	Time    string `json:"time"`
}

// EventSourceSchedule is SuperplaneEventSourceSchedule.
type EventSourceSchedule struct {
	Type   string          `json:"type"`
	Hourly *HourlySchedule `json:"hourly"`
	Daily  *DailySchedule  `json:"daily"`
	Weekly *WeeklySchedule `json:"weekly"`
}

// EventSourceSpec is SuperplaneEventSourceSpec.
type EventSourceSpec struct {
	Type        string                 `json:"type"`
	Integration *IntegrationRef        `json:"integration"`
	Resource    *ResourceRef           `json:"resource"`
	Events      []EventSourceEventType `json:"events"`
	Schedule    *EventSourceSchedule   `json:"schedule"`
	// SignatureScheme is this project's extension, for webhook sources
	// only: SignatureSchemeHMAC (the default, also when empty) or
	// SignatureSchemeStandardWebhooks. Read back on every webhook source.
	SignatureScheme string `json:"signatureScheme,omitempty"`
}

// WebhookStatus is this project's extension: the state of the hook the
// server provisions on the external tool.
type WebhookStatus struct {
	URL       string     `json:"url"`
	State     string     `json:"state"` // "", pending, ready, failed, repaired
	Reason    string     `json:"reason"`
	CheckedAt *time.Time `json:"checkedAt"`
	// Observed is set only in the answer to a read-only check (GET with
	// ?check=true or ?refresh=true): what the tool holds now, "ok",
	// "missing", "drifted" or "failed" (the check itself could not be
	// made; ObservedReason says why). The check changes nothing: State and
	// Reason stay what the last provisioning recorded.
	Observed       string     `json:"observed,omitempty"`
	ObservedReason string     `json:"observedReason,omitempty"`
	ObservedAt     *time.Time `json:"observedAt,omitempty"`
}

// Values of WebhookStatus.Observed.
const (
	HookObservedOK      = "ok"
	HookObservedMissing = "missing"
	HookObservedDrifted = "drifted"
	HookObservedFailed  = "failed"
)

// EventSourceStatusSchedule is EventSourceStatusSchedule: when a scheduled
// source last emitted an event and will next.
type EventSourceStatusSchedule struct {
	LastTrigger *time.Time `json:"lastTrigger"`
	NextTrigger *time.Time `json:"nextTrigger"`
}

// EventSourceStatus is SuperplaneEventSourceStatus plus the webhook and key
// version extensions. Schedule is always answered, null: this server does
// not run schedules yet, so it has no trigger times to tell, and a v1
// client indexing status.schedule finds the field.
type EventSourceStatus struct {
	LastEvent  *Event                     `json:"lastEvent"`
	Schedule   *EventSourceStatusSchedule `json:"schedule"`
	Webhook    *WebhookStatus             `json:"webhook,omitempty"`
	KeyVersion int64                      `json:"keyVersion,omitempty"`
}

// EventSource is SuperplaneEventSource.
type EventSource struct {
	Metadata *EventSourceMetadata `json:"metadata"`
	Spec     *EventSourceSpec     `json:"spec"`
	Status   *EventSourceStatus   `json:"status"`
}

// EventSourceRequest is the body of create and update.
type EventSourceRequest struct {
	EventSource *EventSource `json:"eventSource"`
	// Key is this project's extension, on create only: the signing key of
	// a webhook source, supplied by the user instead of generated (see
	// SourceKeyBytes). A supplied key is never answered back.
	Key string `json:"key,omitempty"`
}

// ResetEventSourceKeyRequest is the body of reset-key, this project's
// extension: an empty body (or no key) asks for a generated key, shown
// once in the answer; Key sets the new key of a webhook source instead,
// and is never answered back.
type ResetEventSourceKeyRequest struct {
	Key string `json:"key,omitempty"`
}

// EventSourceResponse is the body of create, describe, update and
// reset-key; Key is set only by create and reset-key of a webhook source,
// and only when the server generated the key: "" otherwise (answered, as
// the contract's server answers every field).
type EventSourceResponse struct {
	EventSource *EventSource `json:"eventSource"`
	Key         string       `json:"key"`
}

// ListEventSourcesResponse is the body of the list.
type ListEventSourcesResponse struct {
	EventSources []EventSource `json:"eventSources"`
}

// Event is SuperplaneEvent. Raw is the payload, a JSON object (or null),
// as the server stored it: the server answers the stored bytes rather than
// decoding them into a map and encoding that again, so keys come in the
// sender's order and numbers as sent (a map would sort the keys and round
// integers beyond 2^53 to float64). RawObject decodes it as the clients
// used to see it. Headers, a JSON object of strings, is passed through the
// same way; HeaderMap decodes it.
type Event struct {
	ID           string          `json:"id"`
	SourceID     string          `json:"sourceId"`
	SourceName   string          `json:"sourceName"`
	SourceType   string          `json:"sourceType"`
	Type         string          `json:"type"`
	State        string          `json:"state"`
	StateReason  string          `json:"stateReason"`
	StateMessage string          `json:"stateMessage"`
	ReceivedAt   *time.Time      `json:"receivedAt"`
	Raw          json.RawMessage `json:"raw"`
	Headers      json.RawMessage `json:"headers"`
}

// RawObject is Raw decoded into a map, numbers as float64: nil for JSON
// null or no payload, an error for anything that is not a JSON object.
func (e Event) RawObject() (map[string]any, error) {
	var m map[string]any
	if len(e.Raw) > 0 {
		if err := json.Unmarshal(e.Raw, &m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// HeaderMap is Headers decoded: nil for JSON null or no headers, an error
// for anything that is not a JSON object of strings.
func (e Event) HeaderMap() (map[string]string, error) {
	var m map[string]string
	if len(e.Headers) > 0 {
		if err := json.Unmarshal(e.Headers, &m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ListEventsResponse is SuperplaneListEventsResponse. TotalCount is the
// number of events the query matches on all pages (not the page's
// length), counted up to a bound; TotalCountCapped, this project's
// extension, tells the count stopped there.
type ListEventsResponse struct {
	Events           []Event    `json:"events"`
	TotalCount       int64      `json:"totalCount"`
	HasNextPage      bool       `json:"hasNextPage"`
	LastTimestamp    *time.Time `json:"lastTimestamp"`
	TotalCountCapped bool       `json:"totalCountCapped"`
}

// CreateEventRequest is SuperplaneCreateEventBody, the body of POST
// /api/v1/canvases/{canvasIdOrName}/events: an event posted by hand to a
// manual source. Type defaults to "manual" and Raw to {}.
type CreateEventRequest struct {
	SourceType string         `json:"sourceType"`
	SourceID   string         `json:"sourceId"`
	Type       string         `json:"type"`
	Raw        map[string]any `json:"raw"`
}

// EventResponse is SuperplaneCreateEventResponse: the event a posted one
// became.
type EventResponse struct {
	Event Event `json:"event"`
}
