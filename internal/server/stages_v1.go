package server

import "github.com/superplane/terraform-provider-superplane/internal/api"

// v1Spec fills what a stored stage spec leaves unset but the contract's
// server answers with a value, so that a v1 client can index and iterate
// every field: its lists of objects as [] rather than null (a spec written
// without conditions has none), and enums the author left out as what the server
// applies in their place (an unset enum is emitted as its zero value,
// never ""): a connection without filterOperator is matched with AND, and
// a secret or integration reference without a domain is looked up in the
// canvas, then the organization (DOMAIN_TYPE_UNSPECIFIED). The stored spec
// is left as written. Lists of strings (a time window's weekDays, a
// lastExecution's results) are [] when left out too, as the contract's
// server answers them; both mean "every day" and "any result", and the
// provider reads [] and null alike (stage_empty_lists.go there).
func v1Spec(spec *api.StageSpec) {
	if spec == nil {
		return
	}
	spec.Connections = orEmpty(spec.Connections)
	for i := range spec.Connections {
		c := &spec.Connections[i]
		c.Filters = orEmpty(c.Filters)
		if c.FilterOperator == "" {
			c.FilterOperator = api.FilterOperatorAnd
		}
	}
	spec.Conditions = orEmpty(spec.Conditions)
	for i := range spec.Conditions {
		if tw := spec.Conditions[i].TimeWindow; tw != nil {
			tw.WeekDays = orEmpty(tw.WeekDays)
		}
	}
	if ex := spec.Executor; ex != nil && ex.Integration != nil && ex.Integration.DomainType == "" {
		ex.Integration.DomainType = api.DomainTypeUnspecified
	}
	spec.Inputs = orEmpty(spec.Inputs)
	spec.Outputs = orEmpty(spec.Outputs)
	spec.Secrets = orEmpty(spec.Secrets)
	spec.InputMappings = orEmpty(spec.InputMappings)
	values := spec.Secrets
	for i := range spec.InputMappings {
		m := &spec.InputMappings[i]
		m.Values = orEmpty(m.Values)
		values = append(values[:len(values):len(values)], m.Values...)
	}
	for _, v := range values {
		from := v.ValueFrom
		if from == nil {
			continue
		}
		if from.LastExecution != nil {
			from.LastExecution.Results = orEmpty(from.LastExecution.Results)
		}
		if from.Secret != nil && from.Secret.DomainType == "" {
			from.Secret.DomainType = api.DomainTypeUnspecified
		}
	}
}

// orEmpty is list, or an empty list for nil: the wire's [] for JSON null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
