package api

import (
	"fmt"
	"time"
)

// Connection group timeout behaviours, field set states and reasons, and
// the event source type of a group's events, as the contract names them.
const (
	TimeoutBehaviorNone = "TIMEOUT_BEHAVIOR_NONE"
	TimeoutBehaviorDrop = "TIMEOUT_BEHAVIOR_DROP"
	TimeoutBehaviorEmit = "TIMEOUT_BEHAVIOR_EMIT"

	FieldSetStatePending   = "STATE_PENDING"
	FieldSetStateProcessed = "STATE_PROCESSED"
	FieldSetStateDiscarded = "STATE_DISCARDED"

	FieldSetReasonNone    = "STATE_REASON_NONE"
	FieldSetReasonOK      = "STATE_REASON_OK"
	FieldSetReasonTimeout = "STATE_REASON_TIMEOUT"

	EventSourceTypeConnectionGroup = "EVENT_SOURCE_TYPE_CONNECTION_GROUP"
)

// Connection group limits. A field set waits for its missing connections
// at most the group's timeout, in seconds: DefaultGroupTimeout when the
// spec says 0, never more than MaxGroupTimeout, so that pending field sets
// cannot pile up for ever.
const (
	DefaultGroupTimeout = 24 * 60 * 60
	MinGroupTimeout     = 1
	MaxGroupTimeout     = 7 * 24 * 60 * 60
	// MaxGroupConnections bounds a group's connections, MaxGroupByFields its
	// groupBy fields.
	MaxGroupConnections = 20
	MaxGroupByFields    = 10
)

// ValidateGroupTimeout checks a group's timeout (seconds; 0 is the
// default), naming field in the message.
func ValidateGroupTimeout(field string, seconds int64) error {
	if seconds == 0 {
		return nil
	}
	if seconds < MinGroupTimeout || seconds > MaxGroupTimeout {
		return fmt.Errorf("%s must be between %d and %d seconds (7 days), or 0 for the default of %d", field, MinGroupTimeout, MaxGroupTimeout, DefaultGroupTimeout)
	}
	return nil
}

// ValidateTimeoutBehavior checks a group's timeout behaviour; empty and
// TIMEOUT_BEHAVIOR_NONE mean the default, drop.
func ValidateTimeoutBehavior(field, b string) error {
	switch b {
	case "", TimeoutBehaviorNone, TimeoutBehaviorDrop, TimeoutBehaviorEmit:
		return nil
	}
	return fmt.Errorf("%s %q is not one of %s, %s", field, b, TimeoutBehaviorDrop, TimeoutBehaviorEmit)
}

// ConnectionGroupMetadata is SuperplaneConnectionGroupMetadata.
type ConnectionGroupMetadata struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	CanvasID    string     `json:"canvasId"`
	CreatedAt   *time.Time `json:"createdAt"`
	CreatedBy   string     `json:"createdBy"`
	UpdatedAt   *time.Time `json:"updatedAt"`
	UpdatedBy   string     `json:"updatedBy"`
}

// GroupByField is GroupByField: a field of the key events are grouped by,
// read from each event with an expression over its payload.
type GroupByField struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

// GroupBy is SpecGroupBy.
type GroupBy struct {
	Fields []GroupByField `json:"fields"`
}

// ConnectionGroupSpec is SuperplaneConnectionGroupSpec. Timeout is in
// seconds.
type ConnectionGroupSpec struct {
	Connections     []Connection `json:"connections"`
	GroupBy         *GroupBy     `json:"groupBy"`
	Timeout         int64        `json:"timeout"`
	TimeoutBehavior string       `json:"timeoutBehavior"`
}

// ConnectionGroup is SuperplaneConnectionGroup.
type ConnectionGroup struct {
	Metadata *ConnectionGroupMetadata `json:"metadata"`
	Spec     *ConnectionGroupSpec     `json:"spec"`
}

// ConnectionGroupRequest is the body of create and update
// (SuperplaneCreateConnectionGroupBody, SuperplaneUpdateConnectionGroupBody).
type ConnectionGroupRequest struct {
	ConnectionGroup *ConnectionGroup `json:"connectionGroup"`
}

// ConnectionGroupResponse answers create, describe and update.
type ConnectionGroupResponse struct {
	ConnectionGroup *ConnectionGroup `json:"connectionGroup"`
}

// ListConnectionGroupsResponse is SuperplaneListConnectionGroupsResponse.
type ListConnectionGroupsResponse struct {
	ConnectionGroups []ConnectionGroup `json:"connectionGroups"`
}

// ConnectionGroupEvent is SuperplaneConnectionGroupEvent: an event that
// arrived in a field set from one of the group's connections.
type ConnectionGroupEvent struct {
	ID         string     `json:"id"`
	SourceID   string     `json:"sourceId"`
	SourceType string     `json:"sourceType"`
	SourceName string     `json:"sourceName"`
	ReceivedAt *time.Time `json:"receivedAt"`
}

// ConnectionGroupFieldSet is SuperplaneConnectionGroupFieldSet: the events
// of a group that share the values of its groupBy fields.
type ConnectionGroupFieldSet struct {
	ID          string                 `json:"id"`
	Fields      []KeyValuePair         `json:"fields"`
	Hash        string                 `json:"hash"`
	State       string                 `json:"state"`
	StateReason string                 `json:"stateReason"`
	Events      []ConnectionGroupEvent `json:"events"`
	CreatedAt   *time.Time             `json:"createdAt"`
}

// ListConnectionGroupFieldSetsResponse is
// SuperplaneListConnectionGroupFieldSetsResponse.
type ListConnectionGroupFieldSetsResponse struct {
	FieldSets []ConnectionGroupFieldSet `json:"fieldSets"`
}
