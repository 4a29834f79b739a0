package api

import "time"

// Alert types (AlertAlertType): the engine raises ALERT_TYPE_ERROR.
const (
	AlertTypeUnknown = "ALERT_TYPE_UNKNOWN"
	AlertTypeError   = "ALERT_TYPE_ERROR"
	AlertTypeWarning = "ALERT_TYPE_WARNING"
	AlertTypeInfo    = "ALERT_TYPE_INFO"
)

// The object an alert is about (SuperplaneEventSourceType).
const (
	AlertSourceUnknown         = "EVENT_SOURCE_TYPE_UNKNOWN"
	AlertSourceEventSource     = "EVENT_SOURCE_TYPE_EVENT_SOURCE"
	AlertSourceStage           = "EVENT_SOURCE_TYPE_STAGE"
	AlertSourceConnectionGroup = "EVENT_SOURCE_TYPE_CONNECTION_GROUP"
)

// Rejection reasons (EventRejectionRejectionReason): the filters of a
// connection did not pass, or an error kept the event from becoming work
// (an expression, a mapping, a missing secret).
const (
	RejectionReasonUnknown  = "REJECTION_REASON_UNKNOWN"
	RejectionReasonFiltered = "REJECTION_REASON_FILTERED"
	RejectionReasonError    = "REJECTION_REASON_ERROR"
)

// The contract's other connection types: TYPE_UNKNOWN is the rejections
// listing's default target type (any target); TYPE_CONNECTION_GROUP is a
// stage's connection to a connection group, and the target of a rejection
// by a group.
const (
	ConnectionTypeUnknown         = "TYPE_UNKNOWN"
	ConnectionTypeConnectionGroup = "TYPE_CONNECTION_GROUP"
)

// Alert is SuperplaneAlert, with this server's extensions: what went wrong
// (kind), how many times it happened while unacknowledged (count) and when
// it last did, the name of the object, and who acknowledged it.
type Alert struct {
	ID             string     `json:"id"`
	Type           string     `json:"type"`
	Message        string     `json:"message"`
	SourceID       string     `json:"sourceId"`
	SourceType     string     `json:"sourceType"`
	Acknowledged   bool       `json:"acknowledged"`
	AcknowledgedAt *time.Time `json:"acknowledgedAt"`
	CreatedAt      *time.Time `json:"createdAt"`
	SourceName     string     `json:"sourceName"`
	Kind           string     `json:"kind"`
	Count          int64      `json:"count"`
	LastSeenAt     *time.Time `json:"lastSeenAt"`
	AcknowledgedBy string     `json:"acknowledgedBy"`
}

// ListAlertsResponse is SuperplaneListAlertsResponse, with the paging
// fields of the other lists as extensions.
type ListAlertsResponse struct {
	Alerts        []Alert    `json:"alerts"`
	HasNextPage   bool       `json:"hasNextPage"`
	LastTimestamp *time.Time `json:"lastTimestamp"`
}

// AcknowledgeAlertResponse is SuperplaneAcknowledgeAlertResponse.
type AcknowledgeAlertResponse struct {
	Alert *Alert `json:"alert"`
}

// EventRejection is SuperplaneEventRejection: an event a target (a stage)
// did not take, and why. Event is null when the event is gone (or was an
// execution's end, for a stage connected to a stage).
type EventRejection struct {
	ID         string     `json:"id"`
	Event      *Event     `json:"event"`
	TargetType string     `json:"targetType"`
	TargetID   string     `json:"targetId"`
	TargetName string     `json:"targetName"`
	Reason     string     `json:"reason"`
	Message    string     `json:"message"`
	RejectedAt *time.Time `json:"rejectedAt"`
	EventID    string     `json:"eventId"`
}

// ListEventRejectionsResponse is SuperplaneListEventRejectionsResponse.
type ListEventRejectionsResponse struct {
	Rejections    []EventRejection `json:"rejections"`
	TotalCount    int64            `json:"totalCount"`
	HasNextPage   bool             `json:"hasNextPage"`
	LastTimestamp *time.Time       `json:"lastTimestamp"`
}
