package api

import (
	"strings"
	"time"
)

// Connection types, condition types, stage event and execution states and
// results, as the contract names them.
const (
	ConnectionTypeEventSource = "TYPE_EVENT_SOURCE"
	ConnectionTypeStage       = "TYPE_STAGE"

	ConditionTypeApproval   = "CONDITION_TYPE_APPROVAL"
	ConditionTypeTimeWindow = "CONDITION_TYPE_TIME_WINDOW"

	StageEventStatePending   = "STATE_PENDING"
	StageEventStateWaiting   = "STATE_WAITING"
	StageEventStateProcessed = "STATE_PROCESSED"
	StageEventStateDiscarded = "STATE_DISCARDED"

	StageEventReasonApproval   = "STATE_REASON_APPROVAL"
	StageEventReasonTimeWindow = "STATE_REASON_TIME_WINDOW"

	ExecutionStatePending  = "STATE_PENDING"
	ExecutionStateStarted  = "STATE_STARTED"
	ExecutionStateFinished = "STATE_FINISHED"

	ResultPassed    = "RESULT_PASSED"
	ResultFailed    = "RESULT_FAILED"
	ResultCancelled = "RESULT_CANCELLED"

	ResultReasonOK             = "RESULT_REASON_OK"
	ResultReasonError          = "RESULT_REASON_ERROR"
	ResultReasonMissingOutputs = "RESULT_REASON_MISSING_OUTPUTS"
	ResultReasonTimeout        = "RESULT_REASON_TIMEOUT"
	ResultReasonUser           = "RESULT_REASON_USER"
)

// Executor types.
const (
	ExecutorHTTP      = "http"
	ExecutorGitHub    = "github"
	ExecutorSemaphore = "semaphore"
	ExecutorGitLab    = "gitlab"
	ExecutorBitbucket = "bitbucket"
	ExecutorNoop      = "noop"
)

// ExecutorTypes lists the executor types in the order messages name them:
// http, then the integration types that run work on their tool, then noop.
// internal/integration/all checks it against the registered types, so a
// new type's name is added here and there together.
func ExecutorTypes() []string {
	return []string{ExecutorHTTP, ExecutorGitHub, ExecutorSemaphore, ExecutorGitLab, ExecutorBitbucket, ExecutorAzureDevOps, ExecutorNoop}
}

// JoinOr names a list in a message: "http, github, semaphore or noop".
func JoinOr(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// StageMetadata is SuperplaneStageMetadata (UpdatedAt is an extension).
type StageMetadata struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	CanvasID    string     `json:"canvasId"`
	CreatedAt   *time.Time `json:"createdAt"`
	UpdatedAt   *time.Time `json:"updatedAt,omitempty"`
	// CreatedBy is an extension, as on secrets.
	CreatedBy string `json:"createdBy,omitempty"`
}

// Connection is SuperplaneConnection: an event source or stage the stage
// listens to.
type Connection struct {
	Type           string   `json:"type"`
	Name           string   `json:"name"`
	Filters        []Filter `json:"filters"`
	FilterOperator string   `json:"filterOperator"`
}

// ConditionApproval is SuperplaneConditionApproval.
type ConditionApproval struct {
	Count int64 `json:"count"`
}

// ConditionTimeWindow is SuperplaneConditionTimeWindow ("HH:MM", week days
// like "monday").
type ConditionTimeWindow struct {
	Start    string   `json:"start"`
	End      string   `json:"end"`
	WeekDays []string `json:"weekDays"`
}

// Condition is SuperplaneCondition. Like every stage type here it leaves
// no field out of an answer: the contract's server emits unpopulated
// fields as null or "", and v1 clients index them.
type Condition struct {
	Type       string               `json:"type"`
	Approval   *ConditionApproval   `json:"approval"`
	TimeWindow *ConditionTimeWindow `json:"timeWindow"`
}

// Executor is SuperplaneExecutor; Spec depends on Type.
type Executor struct {
	Type        string          `json:"type"`
	Integration *IntegrationRef `json:"integration"`
	Resource    *ResourceRef    `json:"resource"`
	Spec        map[string]any  `json:"spec"`
	Name        string          `json:"name"`
}

// InputDefinition is SuperplaneInputDefinition.
type InputDefinition struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// OutputDefinition is SuperplaneOutputDefinition.
type OutputDefinition struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
}

// ValueFromEventData reads a value from the triggering event with an
// expression over its payload.
type ValueFromEventData struct {
	Connection string `json:"connection"`
	Expression string `json:"expression"`
}

// ValueFromLastExecution takes the value of the input in the stage's last
// execution with one of the results.
type ValueFromLastExecution struct {
	Results []string `json:"results"`
}

// StageValueFrom is SuperplaneValueFrom (the integrations have their own, narrower one).
type StageValueFrom struct {
	EventData     *ValueFromEventData     `json:"eventData"`
	LastExecution *ValueFromLastExecution `json:"lastExecution"`
	Secret        *ValueFromSecret        `json:"secret"`
}

// ValueDefinition is SuperplaneValueDefinition: a named static value or one
// taken from somewhere.
type ValueDefinition struct {
	Name      string          `json:"name"`
	Value     string          `json:"value"`
	ValueFrom *StageValueFrom `json:"valueFrom"`
}

// InputMappingWhen picks the mapping by the connection that triggered.
type InputMappingWhen struct {
	TriggeredBy *struct {
		Connection string `json:"connection"`
	} `json:"triggeredBy"`
}

// InputMapping is SuperplaneInputMapping.
type InputMapping struct {
	Values []ValueDefinition `json:"values"`
	When   *InputMappingWhen `json:"when"`
}

// StageSpec is SuperplaneStageSpec.
type StageSpec struct {
	Connections   []Connection       `json:"connections"`
	Conditions    []Condition        `json:"conditions"`
	Executor      *Executor          `json:"executor"`
	Inputs        []InputDefinition  `json:"inputs"`
	InputMappings []InputMapping     `json:"inputMappings"`
	Outputs       []OutputDefinition `json:"outputs"`
	Secrets       []ValueDefinition  `json:"secrets"`
	DryRun        bool               `json:"dryRun"`
}

// KeyValuePair is SuperplaneKeyValuePair.
type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// StageEventApproval is SuperplaneStageEventApproval.
type StageEventApproval struct {
	ApprovedBy string     `json:"approvedBy"`
	ApprovedAt *time.Time `json:"approvedAt"`
}

// StageEvent is SuperplaneStageEvent: an event waiting in (or gone through)
// a stage's queue.
type StageEvent struct {
	ID           string               `json:"id"`
	State        string               `json:"state"`
	StateReason  string               `json:"stateReason"`
	CreatedAt    *time.Time           `json:"createdAt"`
	Approvals    []StageEventApproval `json:"approvals"`
	Inputs       []KeyValuePair       `json:"inputs"`
	Name         string               `json:"name"`
	TriggerEvent *Event               `json:"triggerEvent"`
	DiscardedBy  string               `json:"discardedBy"`
	DiscardedAt  *time.Time           `json:"discardedAt"`
}

// OutputValue is SuperplaneOutputValue.
type OutputValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ExecutionResource is SuperplaneExecutionResource: what an executor
// started on a tool (a workflow run, a pipeline).
type ExecutionResource struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	State  string `json:"state"`
	Result string `json:"result"`
}

// Execution is SuperplaneExecution.
type Execution struct {
	ID            string              `json:"id"`
	State         string              `json:"state"`
	Result        string              `json:"result"`
	ResultReason  string              `json:"resultReason"`
	ResultMessage string              `json:"resultMessage"`
	CreatedAt     *time.Time          `json:"createdAt"`
	StartedAt     *time.Time          `json:"startedAt"`
	CancelledAt   *time.Time          `json:"cancelledAt"`
	FinishedAt    *time.Time          `json:"finishedAt"`
	Outputs       []OutputValue       `json:"outputs"`
	Resources     []ExecutionResource `json:"resources"`
	StageEvent    *StageEvent         `json:"stageEvent"`
}

// StatusQueue is StatusQueue.
type StatusQueue struct {
	Total int64        `json:"total"`
	Items []StageEvent `json:"items"`
}

// StageStatus is SuperplaneStageStatus.
type StageStatus struct {
	LastExecution *Execution   `json:"lastExecution"`
	Queue         *StatusQueue `json:"queue"`
}

// Stage is SuperplaneStage.
type Stage struct {
	Metadata *StageMetadata `json:"metadata"`
	Spec     *StageSpec     `json:"spec"`
	Status   *StageStatus   `json:"status"`
}

// StageRequest is the body of create and update.
type StageRequest struct {
	Stage *Stage `json:"stage"`
}

// StageResponse is the body of create, describe and update.
type StageResponse struct {
	Stage *Stage `json:"stage"`
}

// ListStagesResponse is the body of the list.
type ListStagesResponse struct {
	Stages []Stage `json:"stages"`
}

// ListStageEventsResponse is SuperplaneListStageEventsResponse. TotalCount
// is the number of matching events on all pages, counted up to a bound;
// TotalCountCapped, this project's extension, tells the count stopped there.
type ListStageEventsResponse struct {
	Events           []StageEvent `json:"events"`
	TotalCount       int64        `json:"totalCount"`
	HasNextPage      bool         `json:"hasNextPage"`
	LastTimestamp    *time.Time   `json:"lastTimestamp"`
	TotalCountCapped bool         `json:"totalCountCapped"`
}

// StageEventResponse is the body of approve and discard.
type StageEventResponse struct {
	Event *StageEvent `json:"event"`
}

// ListExecutionsResponse is SuperplaneListStageExecutionsResponse, counted
// as ListStageEventsResponse is.
type ListExecutionsResponse struct {
	Executions       []Execution `json:"executions"`
	TotalCount       int64       `json:"totalCount"`
	HasNextPage      bool        `json:"hasNextPage"`
	LastTimestamp    *time.Time  `json:"lastTimestamp"`
	TotalCountCapped bool        `json:"totalCountCapped"`
}

// ExecutionResponse is the body of cancel.
type ExecutionResponse struct {
	Execution *Execution `json:"execution"`
}
