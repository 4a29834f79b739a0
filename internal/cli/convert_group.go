package cli

import (
	"fmt"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// connectionGroup writes a ConnectionGroup manifest (v1: spec.connections,
// spec.groupBy.fields, spec.timeout in seconds, spec.timeoutBehavior) as a
// superplane_connection_group, its connections referring to the converted
// sources and stages.
func (c *converter) connectionGroup(m *manifest, r *hclBlock) error {
	var spec api.ConnectionGroupSpec
	if err := decodeSpec(m, &spec); err != nil {
		return err
	}
	r.str("description", m.desc)
	for _, cn := range spec.Connections {
		b := r.child("connect")
		switch enumWord(cn.Type, "TYPE_") {
		case "stage":
			b.str("type", "stage")
			b.expr("name", c.ref("Stage", m.canvas, cn.Name))
		case "event_source", "":
			b.str("type", "event_source")
			b.expr("name", c.ref("EventSource", m.canvas, cn.Name))
		default:
			return fmt.Errorf("%s: connection group %q: connection %q of type %q: a group joins event sources (TYPE_EVENT_SOURCE) and stages (TYPE_STAGE)", m.where, m.name, cn.Name, cn.Type)
		}
		filters(b, cn.Filters, cn.FilterOperator)
	}
	if spec.GroupBy != nil {
		for _, f := range spec.GroupBy.Fields {
			b := r.child("group_by")
			b.str("name", f.Name)
			b.str("expression", f.Expression)
		}
	}
	if len(spec.Connections) < 2 {
		c.warnf(m, "%d connection(s): a group joins 2 to %d, so terraform validate will refuse it", len(spec.Connections), api.MaxGroupConnections)
	}
	if spec.GroupBy == nil || len(spec.GroupBy.Fields) == 0 {
		c.warnf(m, "no spec.groupBy.fields: a group needs 1 to %d, so terraform validate will refuse it", api.MaxGroupByFields)
	}
	// 0 is the server's default (a day): the provider's default too, so
	// it is left out like every default.
	if spec.Timeout != 0 {
		r.num("timeout_seconds", spec.Timeout)
	}
	switch w := enumWord(spec.TimeoutBehavior, "TIMEOUT_BEHAVIOR_"); w {
	case "drop", "emit":
		r.str("timeout_behavior", w)
	case "", "none":
	default:
		return fmt.Errorf("%s: connection group %q: timeoutBehavior %q: want %s or %s", m.where, m.name, spec.TimeoutBehavior, api.TimeoutBehaviorDrop, api.TimeoutBehaviorEmit)
	}
	return nil
}
