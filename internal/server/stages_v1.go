package server

import "github.com/superplane/terraform-provider-superplane/internal/api"

// v1Enums fills the enums of a stored stage spec that its author left out
// with what the server applies in their place, so that an answer carries
// the enum's name as the contract's server would (it emits an unset enum
// as its zero value, never ""): a connection without filterOperator is
// matched with AND, and a secret or integration reference without a
// domain is looked up in the canvas, then the organization
// (DOMAIN_TYPE_UNSPECIFIED). The stored spec is left as written.
func v1Enums(spec *api.StageSpec) {
	if spec == nil {
		return
	}
	for i := range spec.Connections {
		if spec.Connections[i].FilterOperator == "" {
			spec.Connections[i].FilterOperator = api.FilterOperatorAnd
		}
	}
	if ex := spec.Executor; ex != nil && ex.Integration != nil && ex.Integration.DomainType == "" {
		ex.Integration.DomainType = api.DomainTypeUnspecified
	}
	values := spec.Secrets
	for _, m := range spec.InputMappings {
		values = append(values[:len(values):len(values)], m.Values...)
	}
	for _, v := range values {
		if v.ValueFrom != nil && v.ValueFrom.Secret != nil && v.ValueFrom.Secret.DomainType == "" {
			v.ValueFrom.Secret.DomainType = api.DomainTypeUnspecified
		}
	}
}
