package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/refs"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Stages holds the rules for stages, their queues of stage events and their
// executions.
type Stages struct {
	Store store.Store
	// Types are the integration types: one with a Runner is an executor
	// type that runs through its integration.
	Types *integration.Registry
	// Now is the clock; Timestamp rounds it to what the databases keep.
	Now func() time.Time
	// lists keeps the canvases' stages while their stages version holds
	// (stage_list_cache.go).
	lists stageListCache
}

// Stage is a stage with what its status shows: the head of its queue and
// its last execution (nil when it has none).
type Stage struct {
	store.Stage
	// Queue is the head of the queue (queueShown events, newest first) and
	// QueueTotal its whole size.
	Queue         []store.StageEvent
	QueueTotal    int
	LastExecution *store.Execution
	// LastExecutionEvent is the stage event LastExecution ran.
	LastExecutionEvent *store.StageEvent
}

// queueShown is how many queued events a stage's status lists.
const queueShown = 20

// withStatus reads what st's status shows. A failed read leaves the status
// empty rather than failing the answer: the stage itself was read.
func (s *Stages) withStatus(ctx context.Context, st store.Stage) Stage {
	statuses, err := s.Store.StageStatuses(ctx, st.OrgID, st.CanvasID, st.ID, queueShown)
	if err != nil {
		return Stage{Stage: st}
	}
	return withStatus(st, statuses[st.ID])
}

func withStatus(st store.Stage, status store.StageStatus) Stage {
	return Stage{Stage: st, Queue: status.Queue, QueueTotal: status.QueueTotal, LastExecution: status.LastExecution,
		LastExecutionEvent: status.LastExecutionEvent}
}

// List returns the stages of canvas (an id or a name).
func (s *Stages) List(ctx context.Context, p store.Principal, canvas string) ([]Stage, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return nil, err
	}
	list, err := s.listStages(ctx, p.Organization.ID, c.ID)
	if err != nil {
		return nil, err
	}
	// Every stage's status in one read, not two queries per stage: a list
	// costs the same for 10 stages as for 1,000.
	statuses, err := s.Store.StageStatuses(ctx, p.Organization.ID, c.ID, "", queueShown)
	if err != nil {
		statuses = nil // as withStatus: the stages were read
	}
	out := make([]Stage, 0, len(list))
	for _, st := range list {
		out = append(out, withStatus(st, statuses[st.ID]))
	}
	return out, nil
}

// Find returns the stage idOrName of canvas.
func (s *Stages) Find(ctx context.Context, p store.Principal, canvas, idOrName string) (Stage, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return Stage{}, err
	}
	st, err := s.Store.FindStage(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return Stage{}, err
	}
	return s.withStatus(ctx, st), nil
}

// Create creates a stage in canvas from a v1 request.
func (s *Stages) Create(ctx context.Context, p store.Principal, canvas string, req api.StageRequest) (Stage, error) {
	if req.Stage == nil || req.Stage.Metadata == nil {
		return Stage{}, Invalid("stage.metadata.name is required")
	}
	m := req.Stage.Metadata
	if err := ValidateName("stage.metadata.name", m.Name); err != nil {
		return Stage{}, err
	}
	if len(m.Description) > MaxDescriptionLen {
		return Stage{}, Invalid("stage.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return Stage{}, err
	}
	if err := s.validate(ctx, p, c, "", m.Name, req.Stage.Spec); err != nil {
		return Stage{}, err
	}
	spec, err := json.Marshal(req.Stage.Spec)
	if err != nil {
		return Stage{}, err
	}
	now := Timestamp(s.Now)
	st := store.Stage{ID: uuid.NewString(), OrgID: p.Organization.ID, CanvasID: c.ID, Name: m.Name, Description: m.Description,
		Spec: spec, CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateStage(ctx, st); err != nil {
		return Stage{}, err
	}
	// A stage just created has nothing queued and no execution: its status
	// is empty without the two status queries (an apply creating 200
	// stages paid 400 of them; BENCHMARKS.md, issue 17 round six).
	return withStatus(st, store.StageStatus{}), nil
}

// Update replaces the spec (and the description, and the name when one is
// given) of the stage idOrName of canvas.
func (s *Stages) Update(ctx context.Context, p store.Principal, canvas, idOrName string, req api.StageRequest) (Stage, error) {
	if req.Stage == nil {
		return Stage{}, Invalid("stage is required")
	}
	m := req.Stage.Metadata
	if m == nil {
		m = &api.StageMetadata{}
	}
	if m.Name != "" {
		if err := ValidateName("stage.metadata.name", m.Name); err != nil {
			return Stage{}, err
		}
	}
	if len(m.Description) > MaxDescriptionLen {
		return Stage{}, Invalid("stage.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return Stage{}, err
	}
	current, err := s.Store.FindStage(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return Stage{}, err
	}
	name := current.Name
	if m.Name != "" {
		name = m.Name
	}
	if err := s.validate(ctx, p, c, current.ID, name, req.Stage.Spec); err != nil {
		return Stage{}, err
	}
	spec, err := json.Marshal(req.Stage.Spec)
	if err != nil {
		return Stage{}, err
	}
	now := Timestamp(s.Now)
	st, err := s.Store.UpdateStage(ctx, p.Organization.ID, c.ID, current.ID, func(st *store.Stage) error {
		st.Name, st.Description, st.Spec, st.UpdatedAt = name, m.Description, spec, now
		return nil
	})
	if err != nil {
		return Stage{}, err
	}
	return s.withStatus(ctx, st), nil
}

// Delete deletes the stage idOrName of canvas, unless another stage listens
// to it: that stage would silently stop running.
func (s *Stages) Delete(ctx context.Context, p store.Principal, canvas, idOrName string) error {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return err
	}
	st, err := s.Store.FindStage(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return err
	}
	users, err := stagesConnectedTo(ctx, s.Store, p.Organization.ID, c.ID, api.ConnectionTypeStage, st.Name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return inUse("stage %q is a connection of stage %s; change them first", st.Name, strings.Join(users, ", "))
	}
	groups, err := groupsConnectedTo(ctx, s.Store, p.Organization.ID, c.ID, api.ConnectionTypeStage, st.Name)
	if err != nil {
		return err
	}
	if len(groups) > 0 {
		return inUse("stage %q is a connection of connection group %s; change them first", st.Name, strings.Join(groups, ", "))
	}
	return s.Store.DeleteStage(ctx, p.Organization.ID, c.ID, st.ID)
}

// validate checks a stage spec in canvas c, self being the stage's own
// id on update ("" on create). Everything an event could trip over later is
// checked here, so a mistake is a 400 when the stage is saved and not a
// failure when an event arrives; every error names its field.
func (s *Stages) validate(ctx context.Context, p store.Principal, c store.Canvas, self, name string, spec *api.StageSpec) error {
	if spec == nil {
		return Invalid("stage.spec is required")
	}
	if len(spec.Connections) == 0 {
		return Invalid("stage.spec.connections: a stage needs at least one connection")
	}
	connections := map[string]bool{}
	for i, conn := range spec.Connections {
		field := fmt.Sprintf("stage.spec.connections[%d]", i)
		if conn.Name == "" {
			return Invalid("%s.name is required", field)
		}
		if err := validateRef(field+".name", conn.Name); err != nil {
			return err
		}
		if connections[conn.Name] {
			return Invalid("%s.name %q is listed twice", field, conn.Name)
		}
		connections[conn.Name] = true
		switch conn.Type {
		case api.ConnectionTypeEventSource:
			if _, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, conn.Name); err != nil {
				if isNotFound(err) {
					return Invalid("%s.name: event source %q does not exist in canvas %q", field, conn.Name, c.Name)
				}
				return err
			}
		case api.ConnectionTypeStage:
			if conn.Name == name {
				return Invalid("%s.name: a stage cannot listen to itself", field)
			}
			up, err := s.Store.FindStage(ctx, p.Organization.ID, c.ID, conn.Name)
			if err != nil {
				if isNotFound(err) {
					return Invalid("%s.name: stage %q does not exist in canvas %q", field, conn.Name, c.Name)
				}
				return err
			}
			if up.ID == self && self != "" {
				return Invalid("%s.name: a stage cannot listen to itself", field)
			}
		case api.ConnectionTypeConnectionGroup:
			g, err := s.Store.FindConnectionGroup(ctx, p.Organization.ID, c.ID, conn.Name)
			if err != nil {
				if isNotFound(err) {
					return Invalid("%s.name: connection group %q does not exist in canvas %q", field, conn.Name, c.Name)
				}
				return err
			}
			if err := groupLoop(g, name, field); err != nil {
				return err
			}
		default:
			return Invalid("%s.type %q is not one of TYPE_EVENT_SOURCE, TYPE_STAGE, TYPE_CONNECTION_GROUP", field, conn.Type)
		}
		if _, err := filter.CompileSet(field, conn.Filters, conn.FilterOperator); err != nil {
			return Invalid("%s", err.Error())
		}
	}

	inputs := map[string]bool{}
	for i, in := range spec.Inputs {
		if !api.IdentifierPattern.MatchString(in.Name) {
			return Invalid("stage.spec.inputs[%d].name %q must be a letter or '_' followed by letters, digits or '_'", i, in.Name)
		}
		if inputs[in.Name] {
			return Invalid("stage.spec.inputs[%d].name %q is declared twice", i, in.Name)
		}
		inputs[in.Name] = true
	}
	if len(spec.Inputs) > 0 && len(spec.InputMappings) == 0 {
		return Invalid("stage.spec.inputMappings: inputs %s have no mapping", joinNames(inputs))
	}
	whens := map[string]bool{}
	for i, m := range spec.InputMappings {
		field := fmt.Sprintf("stage.spec.inputMappings[%d]", i)
		when := ""
		if m.When != nil && m.When.TriggeredBy != nil {
			when = m.When.TriggeredBy.Connection
			if !connections[when] {
				return Invalid("%s.when.triggeredBy.connection %q is not a connection of the stage", field, when)
			}
		}
		if whens[when] {
			return Invalid("%s.when: another mapping already applies to the same trigger", field)
		}
		whens[when] = true
		mapped := map[string]bool{}
		for j, v := range m.Values {
			vf := fmt.Sprintf("%s.values[%d]", field, j)
			if !inputs[v.Name] {
				return Invalid("%s.name %q is not a declared input", vf, v.Name)
			}
			mapped[v.Name] = true
			if v.ValueFrom == nil {
				continue
			}
			switch {
			case v.ValueFrom.EventData != nil:
				ed := v.ValueFrom.EventData
				if ed.Connection != "" && !connections[ed.Connection] {
					return Invalid("%s.valueFrom.eventData.connection %q is not a connection of the stage", vf, ed.Connection)
				}
				if _, err := filter.CompileValue(ed.Expression); err != nil {
					return Invalid("%s.valueFrom.eventData.expression: %v", vf, err)
				}
			case v.ValueFrom.LastExecution != nil:
				for k, r := range v.ValueFrom.LastExecution.Results {
					if !slices.Contains([]string{api.ResultPassed, api.ResultFailed, api.ResultCancelled}, r) {
						return Invalid("%s.valueFrom.lastExecution.results[%d] %q is not one of RESULT_PASSED, RESULT_FAILED, RESULT_CANCELLED", vf, k, r)
					}
				}
			default:
				return Invalid("%s.valueFrom needs eventData or lastExecution", vf)
			}
		}
		for in := range inputs {
			if !mapped[in] {
				return Invalid("%s: input %q has no value in this mapping", field, in)
			}
		}
	}

	outputs := map[string]bool{}
	for i, o := range spec.Outputs {
		if !api.IdentifierPattern.MatchString(o.Name) {
			return Invalid("stage.spec.outputs[%d].name %q must be a letter or '_' followed by letters, digits or '_'", i, o.Name)
		}
		if outputs[o.Name] {
			return Invalid("stage.spec.outputs[%d].name %q is declared twice", i, o.Name)
		}
		outputs[o.Name] = true
	}

	for i, cond := range spec.Conditions {
		field := fmt.Sprintf("stage.spec.conditions[%d]", i)
		switch cond.Type {
		case api.ConditionTypeApproval:
			if cond.Approval == nil || cond.Approval.Count < 1 || cond.Approval.Count > 100 {
				return Invalid("%s.approval.count must be 1-100", field)
			}
		case api.ConditionTypeTimeWindow:
			tw := cond.TimeWindow
			if tw == nil || !api.TimeOfDayPattern.MatchString(tw.Start) {
				return Invalid("%s.timeWindow.start must be HH:MM", field)
			}
			if !api.TimeWindowEndPattern.MatchString(tw.End) {
				return Invalid("%s.timeWindow.end must be HH:MM, or 24:00 for the end of the day", field)
			}
			// The window holds the minutes from start up to end, so one
			// ending at its start never opens: every event would wait
			// for it forever. (A window spanning midnight ends before
			// its start; a whole day is 00:00 to 24:00.)
			if tw.End == tw.Start {
				return Invalid("%s.timeWindow.end %q is its start: the window would never open (for the whole day write start 00:00, end 24:00, or leave the condition out)", field, tw.End)
			}
			for j, d := range tw.WeekDays {
				if !slices.Contains(api.WeekDays, d) {
					return Invalid("%s.timeWindow.weekDays[%d] %q is not a week day (monday ... sunday)", field, j, d)
				}
			}
		default:
			return Invalid("%s.type %q is not one of CONDITION_TYPE_APPROVAL, CONDITION_TYPE_TIME_WINDOW", field, cond.Type)
		}
	}

	aliases := map[string]bool{}
	for i, sec := range spec.Secrets {
		field := fmt.Sprintf("stage.spec.secrets[%d]", i)
		if !api.IdentifierPattern.MatchString(sec.Name) {
			return Invalid("%s.name %q must be a letter or '_' followed by letters, digits or '_'", field, sec.Name)
		}
		if aliases[sec.Name] {
			return Invalid("%s.name %q is declared twice", field, sec.Name)
		}
		aliases[sec.Name] = true
		if sec.ValueFrom == nil || sec.ValueFrom.Secret == nil || sec.ValueFrom.Secret.Name == "" || sec.ValueFrom.Secret.Key == "" {
			return Invalid("%s.valueFrom.secret needs name and key", field)
		}
		if err := validateRef(field+".valueFrom.secret.name", sec.ValueFrom.Secret.Name); err != nil {
			return err
		}
		if _, err := refs.StageSecret(ctx, s.Store, c.OrgID, c.ID, sec.ValueFrom.Secret); err != nil {
			return Invalid("%s.valueFrom.secret: %v", field, err)
		}
	}

	ex := spec.Executor
	if ex == nil {
		return Invalid("stage.spec.executor is required")
	}
	// An integration type with a Runner is an executor type that uses its
	// integration.
	_, usesIntegration := s.Types.Runner(ex.Type)
	switch {
	case ex.Type == api.ExecutorHTTP, ex.Type == api.ExecutorNoop:
	case usesIntegration:
		if ex.Integration == nil || ex.Integration.Name == "" {
			return Invalid("stage.spec.executor.integration.name is required for %s executors", ex.Type)
		}
		if err := validateRef("stage.spec.executor.integration.name", ex.Integration.Name); err != nil {
			return err
		}
		in, err := findIntegration(ctx, s.Store, p, c, ex.Integration)
		if err != nil {
			return Invalid("stage.spec.executor.integration: %v", err)
		}
		if in.Type != ex.Type {
			return Invalid("stage.spec.executor.integration: integration %q is a %s integration, not %s", in.Name, in.Type, ex.Type)
		}
		if ex.Resource == nil || ex.Resource.Name == "" {
			return Invalid("stage.spec.executor.resource.name is required for %s executors: the repository or project", ex.Type)
		}
		if err := validResourceName(ex.Type, ex.Resource.Name); err != nil {
			return Invalid("stage.spec.executor.resource.name %q must be %s", ex.Resource.Name, err.Error())
		}
	case ex.Type == "":
		return Invalid("stage.spec.executor.type is required: %s", api.JoinOr(api.ExecutorTypes()))
	default:
		return Invalid("stage.spec.executor.type %q is not one of %s", ex.Type, strings.Join(api.ExecutorTypes(), ", "))
	}
	if ex.Spec == nil {
		ex.Spec = map[string]any{}
	}
	if err := executor.ValidateSpec(ex.Type, ex.Spec); err != nil {
		return Invalid("stage.spec.executor.%v", err)
	}
	usedInputs, usedSecrets, err := executor.References(ex.Spec)
	if err != nil {
		return Invalid("stage.spec.executor.spec: %v", err)
	}
	for _, n := range usedInputs {
		if !inputs[n] {
			return Invalid("stage.spec.executor.spec: ${{ inputs.%s }} names an input the stage does not declare", n)
		}
	}
	for _, n := range usedSecrets {
		if !aliases[n] {
			return Invalid("stage.spec.executor.spec: ${{ secrets.%s }} names a secret the stage does not declare in spec.secrets", n)
		}
	}
	return nil
}

func joinNames(set map[string]bool) string {
	names := []string{}
	for n := range set {
		names = append(names, strconv.Quote(n))
	}
	slices.Sort(names)
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// stageSpec is the one place the service decodes a stage's spec: one that
// does not decode is the store's error naming the stage.
func stageSpec(st store.Stage) (api.StageSpec, error) {
	return store.DecodeJSON[api.StageSpec]("stage", st.ID, "spec", st.Spec)
}
