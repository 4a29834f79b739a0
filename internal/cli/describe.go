package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// describeCanvas shows the canvas and, in one screen, what it is made of:
// its sources, its connection groups (when it has any) and its stages with
// what each listens to.
func describeCanvas(ctx context.Context, s *session, _ query, name string) error {
	c, err := s.c.GetCanvas(ctx, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "canvas", name: name})
	}
	m := c.Metadata
	f := newFields(s.io.Stdout)
	f.add("Name", m.Name)
	f.add("ID", m.ID)
	f.add("Description", m.Description)
	f.add("Created", when(m.CreatedAt))
	f.add("Updated", when(m.UpdatedAt))
	_ = f.flush()
	sources, err := s.c.ListEventSources(ctx, m.ID)
	if err != nil {
		return s.explain(ctx, err, target{kind: "event-source", canvas: name})
	}
	groups, err := s.c.ListConnectionGroups(ctx, m.ID)
	if err != nil {
		return s.explain(ctx, err, target{kind: "connection-group", canvas: name})
	}
	stages, err := s.c.ListStages(ctx, m.ID)
	if err != nil {
		return s.explain(ctx, err, target{kind: "stage", canvas: name})
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "\nEvent sources (%d):\n", len(sources))
	if len(sources) > 0 {
		t := newTable(s.io.Stdout, "NAME", "TYPE", "RESOURCE", "LAST EVENT", "WEBHOOK")
		for i := range sources {
			sourceRow(t, &sources[i])
		}
		_ = t.flush()
	}
	if len(groups) > 0 {
		_, _ = fmt.Fprintf(s.io.Stdout, "\nConnection groups (%d):\n", len(groups))
		t := newTable(s.io.Stdout, groupColumns...)
		for i := range groups {
			groupRow(t, &groups[i])
		}
		_ = t.flush()
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "\nStages (%d):\n", len(stages))
	if len(stages) > 0 {
		t := newTable(s.io.Stdout, "NAME", "CONNECTIONS", "EXECUTOR", "QUEUE", "LAST EXECUTION")
		for i := range stages {
			stageRow(t, &stages[i])
		}
		_ = t.flush()
	}
	return nil
}

func describeSecret(ctx context.Context, s *session, q query, name string) error {
	sec, err := getSecret(ctx, s, q, name)
	if err != nil {
		return err
	}
	m := sec.Metadata
	f := newFields(s.io.Stdout)
	f.add("Name", m.Name)
	f.add("ID", m.ID)
	f.add("Domain", short(m.DomainType)+" "+m.DomainID)
	if sec.Spec != nil {
		f.add("Provider", sec.Spec.Provider)
	}
	f.add("Keys", strings.Join(client.SecretKeys(sec), ", "))
	f.add("Version", strconv.FormatInt(m.Version, 10))
	f.add("Created", when(m.CreatedAt))
	f.add("Updated", when(m.UpdatedAt))
	return f.flush()
}

func describeIntegration(ctx context.Context, s *session, q query, name string) error {
	in, err := getIntegration(ctx, s, q, name)
	if err != nil {
		return err
	}
	m := in.Metadata
	f := newFields(s.io.Stdout)
	f.add("Name", m.Name)
	f.add("ID", m.ID)
	f.add("Description", m.Description)
	f.add("Domain", short(m.DomainType)+" "+m.DomainID)
	if sp := in.Spec; sp != nil {
		f.add("Type", sp.Type)
		f.add("URL", sp.URL)
	}
	if ref := client.IntegrationSecret(in); ref.Name != "" {
		f.add("Token", fmt.Sprintf("key %q of secret %q", ref.Key, ref.Name))
	}
	if st := in.Status; st != nil {
		f.add("Status", st.State)
		f.add("Reason", st.Reason)
		f.add("Checked", when(st.CheckedAt))
	}
	f.add("Created", when(m.CreatedAt))
	return f.flush()
}

// filterText writes a list of filters on one line: "data: $.x == 1 and ...".
func filterText(filters []api.Filter, op string) string {
	var parts []string
	for _, fl := range filters {
		switch {
		case fl.Data != nil:
			parts = append(parts, "data: "+fl.Data.Expression)
		case fl.Header != nil:
			parts = append(parts, "header: "+fl.Header.Expression)
		}
	}
	join := " and "
	if op == api.FilterOperatorOr {
		join = " or "
	}
	return strings.Join(parts, join)
}

func describeEventSource(ctx context.Context, s *session, q query, name string) error {
	es, err := getEventSource(ctx, s, q, name)
	if err != nil {
		return err
	}
	m, sp := es.Metadata, es.Spec
	f := newFields(s.io.Stdout)
	f.add("Name", m.Name)
	f.add("ID", m.ID)
	f.add("Description", m.Description)
	f.add("Type", sp.Type)
	if sp.Integration != nil {
		f.add("Integration", sp.Integration.Name)
	}
	if sp.Resource != nil {
		f.add("Resource", sp.Resource.Type+" "+sp.Resource.Name)
	}
	for _, et := range sp.Events {
		v := et.Type
		if ft := filterText(et.Filters, et.FilterOperator); ft != "" {
			v += " if " + ft
		}
		f.add("Event type", v)
	}
	if st := es.Status; st != nil {
		if h := st.Webhook; h != nil {
			f.add("Webhook URL", h.URL)
			f.add("Webhook", strings.TrimSpace(h.State+" "+h.Reason))
			f.add("Webhook checked", when(h.CheckedAt))
		}
		if st.KeyVersion > 0 {
			f.add("Key version", strconv.FormatInt(st.KeyVersion, 10))
		}
		if le := st.LastEvent; le != nil {
			f.add("Last event", le.ID+" "+when(le.ReceivedAt))
		}
	}
	f.add("Created", when(m.CreatedAt))
	return f.flush()
}

// conditionText writes a stage condition for people.
func conditionText(c api.Condition) string {
	switch {
	case c.Approval != nil:
		return fmt.Sprintf("%d approval(s)", c.Approval.Count)
	case c.TimeWindow != nil:
		w := c.TimeWindow
		return fmt.Sprintf("time window %s-%s UTC on %s", w.Start, w.End, strings.Join(w.WeekDays, ", "))
	}
	return short(c.Type)
}

func describeStage(ctx context.Context, s *session, q query, name string) error {
	st, err := getStage(ctx, s, q, name)
	if err != nil {
		return err
	}
	m, sp := st.Metadata, st.Spec
	f := newFields(s.io.Stdout)
	f.add("Name", m.Name)
	f.add("ID", m.ID)
	f.add("Description", m.Description)
	for _, c := range sp.Connections {
		v := c.Name + " (" + short(c.Type) + ")"
		if ft := filterText(c.Filters, c.FilterOperator); ft != "" {
			v += " if " + ft
		}
		f.add("Connection", v)
	}
	for _, c := range sp.Conditions {
		f.add("Condition", conditionText(c))
	}
	for _, in := range sp.Inputs {
		f.add("Input", in.Name)
	}
	for _, out := range sp.Outputs {
		v := out.Name
		if out.Required {
			v += " (required)"
		}
		f.add("Output", v)
	}
	for _, sec := range sp.Secrets {
		f.add("Secret", sec.Name)
	}
	if ex := sp.Executor; ex != nil {
		v := ex.Type
		if ex.Integration != nil {
			v += " through " + ex.Integration.Name
		}
		if ex.Resource != nil {
			v += " on " + ex.Resource.Name
		}
		f.add("Executor", v)
	}
	if sp.DryRun {
		f.add("Dry run", "yes")
	}
	if status := st.Status; status != nil {
		if qu := status.Queue; qu != nil {
			f.add("Queue", strconv.FormatInt(qu.Total, 10))
			for i := range qu.Items {
				it := &qu.Items[i]
				f.add("  "+it.ID, strings.TrimSpace(short(it.State)+" "+short(it.StateReason)))
			}
		}
		if ex := status.LastExecution; ex != nil {
			f.add("Last execution", strings.TrimSpace(ex.ID+" "+short(ex.State)+" "+short(ex.Result)+" "+when(ex.FinishedAt)))
		}
	}
	f.add("Created", when(m.CreatedAt))
	return f.flush()
}
