package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// stringMap reads a spec field that should be an object of strings; other
// values are written as their JSON text, with a warning.
func (c *converter) stringMap(m *manifest, field string, v any) map[string]string {
	obj, ok := v.(map[string]any)
	if !ok {
		if v != nil {
			c.warnf(m, "%s is not an object: left out", field)
		}
		return nil
	}
	out := make(map[string]string, len(obj))
	for k, val := range obj {
		s, ok := val.(string)
		if !ok {
			raw, _ := json.Marshal(val)
			s = string(raw)
			c.warnf(m, "%s.%s is not a string: written as its JSON text %s", field, k, s)
		}
		out[k] = hclString(s)
	}
	return out
}

// specString reads a string field of an executor spec.
func specString(spec map[string]any, k string) string {
	s, _ := spec[k].(string)
	return s
}

func (c *converter) stage(m *manifest, r *hclBlock) error {
	var spec api.StageSpec
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
		case "connection_group":
			b.str("type", "connection_group")
			b.expr("name", c.ref("ConnectionGroup", m.canvas, cn.Name))
		default:
			b.str("type", "event_source")
			b.expr("name", c.ref("EventSource", m.canvas, cn.Name))
		}
		filters(b, cn.Filters, cn.FilterOperator)
	}
	for _, in := range spec.Inputs {
		b := r.child("input")
		b.str("name", in.Name)
		b.str("description", in.Description)
	}
	for _, im := range spec.InputMappings {
		b := r.child("input_mapping")
		if im.When != nil && im.When.TriggeredBy != nil {
			b.str("triggered_by", im.When.TriggeredBy.Connection)
		}
		for _, v := range im.Values {
			vb := b.child("value")
			vb.str("name", v.Name)
			switch {
			case v.ValueFrom != nil && v.ValueFrom.EventData != nil:
				fe := vb.child("from_event")
				fe.str("connection", v.ValueFrom.EventData.Connection)
				fe.str("expression", v.ValueFrom.EventData.Expression)
			case v.ValueFrom != nil && v.ValueFrom.LastExecution != nil:
				var results []string
				for _, res := range v.ValueFrom.LastExecution.Results {
					results = append(results, enumWord(res, "RESULT_"))
				}
				fl := vb.child("from_last_execution")
				fl.strList("results", results)
			default:
				vb.expr("value", hclString(v.Value))
			}
		}
	}
	for _, out := range spec.Outputs {
		b := r.child("output")
		b.str("name", out.Name)
		b.str("description", out.Description)
		b.boolean("required", out.Required)
	}
	for _, cond := range spec.Conditions {
		switch {
		case cond.Approval != nil:
			r.child("approval").num("count", cond.Approval.Count)
		case cond.TimeWindow != nil:
			b := r.child("time_window")
			b.str("start", cond.TimeWindow.Start)
			b.str("end", cond.TimeWindow.End)
			var days []string
			for _, d := range cond.TimeWindow.WeekDays {
				days = append(days, strings.ToLower(d))
			}
			b.strList("week_days", days)
		default:
			c.warnf(m, "condition %q has neither approval nor timeWindow: left out", cond.Type)
		}
	}
	for _, sec := range spec.Secrets {
		if sec.ValueFrom == nil || sec.ValueFrom.Secret == nil {
			c.warnf(m, "secret %q has no valueFrom.secret: left out", sec.Name)
			continue
		}
		ref := sec.ValueFrom.Secret
		b := r.child("secret")
		b.str("name", sec.Name)
		scope := scopeOf(ref.DomainType)
		secretCanvas := m.canvas
		if scope == "organization" {
			secretCanvas = ""
		}
		b.expr("secret", c.secretRef(secretCanvas, ref.Name))
		b.str("key", ref.Key)
		if scope == "organization" || scope == "canvas" {
			b.str("scope", scope)
		}
	}
	r.boolean("dry_run", spec.DryRun)
	return c.executor(m, r, spec.Executor)
}

// executor writes the executor block the spec's type names.
func (c *converter) executor(m *manifest, r *hclBlock, ex *api.Executor) error {
	if ex == nil {
		return fmt.Errorf("%s: stage %q has no spec.executor", m.where, m.name)
	}
	spec := ex.Spec
	if spec == nil {
		spec = map[string]any{}
	}
	known := map[string]bool{}
	take := func(keys ...string) {
		for _, k := range keys {
			known[k] = true
		}
	}
	integration := ""
	if ex.Integration != nil {
		integration = ex.Integration.Name
	}
	resource := ""
	if ex.Resource != nil {
		resource = ex.Resource.Name
	}
	var b *hclBlock
	switch ex.Type {
	case api.ExecutorHTTP:
		b = r.child("http")
		b.str("url", specString(spec, "url"))
		b.strMap("headers", c.stringMap(m, "spec.executor.spec.headers", spec["headers"]))
		b.strMap("payload", c.stringMap(m, "spec.executor.spec.payload", spec["payload"]))
		if rp, ok := spec["responsePolicy"].(map[string]any); ok {
			if codes, ok := rp["statusCodes"].([]any); ok {
				var nums []string
				for _, code := range codes {
					nums = append(nums, fmt.Sprint(code))
				}
				b.expr("status_codes", "["+strings.Join(nums, ", ")+"]")
			}
		}
		if t, ok := spec["timeoutSeconds"].(float64); ok {
			b.num("timeout_seconds", int64(t))
		}
		// A request signed with AWS SigV4 names an aws integration, and
		// perhaps the service and region it is signed for.
		if integration != "" {
			b.expr("integration", c.integrationRef(m.canvas, integration))
		}
		if signing, ok := spec["aws"].(map[string]any); ok {
			b.str("aws_service", specString(signing, "service"))
			b.str("aws_region", specString(signing, "region"))
		}
		// A request with an azure or gcp integration's bearer token names
		// the scope(s) the token is for.
		if az, ok := spec["azure"].(map[string]any); ok {
			b.str("azure_scope", specString(az, "scope"))
		}
		if g, ok := spec["gcp"].(map[string]any); ok {
			var scopes []string
			if list, ok := g["scopes"].([]any); ok {
				for _, x := range list {
					if sc, ok := x.(string); ok {
						scopes = append(scopes, sc)
					}
				}
			}
			b.strList("gcp_scopes", scopes)
		}
		take("url", "headers", "payload", "responsePolicy", "timeoutSeconds", "aws", "azure", "gcp")
	case api.ExecutorGitHub:
		b = r.child("github")
		b.expr("integration", c.integrationRef(m.canvas, integration))
		b.str("repository", resource)
		b.str("workflow", specString(spec, "workflow"))
		b.str("ref", specString(spec, "ref"))
		b.strMap("inputs", c.stringMap(m, "spec.executor.spec.inputs", spec["inputs"]))
		take("workflow", "ref", "inputs")
	case api.ExecutorSemaphore:
		b = r.child("semaphore")
		b.expr("integration", c.integrationRef(m.canvas, integration))
		b.str("project", resource)
		b.str("pipeline_file", specString(spec, "pipelineFile"))
		b.str("task", specString(spec, "task"))
		b.str("ref", specString(spec, "ref"))
		b.strMap("parameters", c.stringMap(m, "spec.executor.spec.parameters", spec["parameters"]))
		take("pipelineFile", "task", "ref", "parameters")
	case api.ExecutorGitLab:
		b = r.child("gitlab")
		b.expr("integration", c.integrationRef(m.canvas, integration))
		b.str("project", resource)
		b.str("ref", specString(spec, "ref"))
		b.strMap("variables", c.stringMap(m, "spec.executor.spec.variables", spec["variables"]))
		take("ref", "variables")
	case api.ExecutorBitbucket:
		b = r.child("bitbucket")
		b.expr("integration", c.integrationRef(m.canvas, integration))
		b.str("repository", resource)
		b.str("ref", specString(spec, "ref"))
		b.str("pipeline", specString(spec, "pipeline"))
		b.strMap("variables", c.stringMap(m, "spec.executor.spec.variables", spec["variables"]))
		take("ref", "pipeline", "variables")
	case api.ExecutorAzureDevOps:
		b = r.child("azure_devops")
		b.expr("integration", c.integrationRef(m.canvas, integration))
		b.str("project", resource)
		b.str("pipeline", specString(spec, "pipeline"))
		b.str("ref", specString(spec, "ref"))
		b.strMap("parameters", c.stringMap(m, "spec.executor.spec.parameters", spec["parameters"]))
		b.strMap("variables", c.stringMap(m, "spec.executor.spec.variables", spec["variables"]))
		take("pipeline", "ref", "parameters", "variables")
	case api.ExecutorNoop:
		b = r.child("noop")
		b.strMap("outputs", c.stringMap(m, "spec.executor.spec.outputs", spec["outputs"]))
		take("outputs")
	default:
		return fmt.Errorf("%s: stage %q: executor type %q: want %s", m.where, m.name, ex.Type, api.JoinOr(api.ExecutorTypes()))
	}
	var extra []string
	for k := range spec {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		c.warnf(m, "spec.executor.spec.%s has no %s attribute in this provider: left out", k, ex.Type)
	}
	return nil
}

// importIDs asks the server which converted objects exist and returns
// their import ids by resource address.
func (c *converter) importIDs(ctx context.Context, s *session) (map[string]string, error) {
	cl, err := s.client()
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for i := range c.ms {
		m := &c.ms[i]
		addr := resourceTypes[m.kind] + "." + m.label
		dt, did, scoped := api.DomainTypeOrganization, "", "organization/"+m.name
		if m.canvas != "" {
			dt, did, scoped = api.DomainTypeCanvas, m.canvas, "canvas/"+m.canvas+"/"+m.name
		}
		var err error
		var id string
		switch m.kind {
		case "Canvas":
			_, err = cl.GetCanvas(ctx, m.name)
			id = m.name
		case "Secret":
			_, err = cl.GetSecret(ctx, dt, did, m.name)
			id = scoped
		case "Integration":
			_, err = cl.GetIntegration(ctx, dt, did, m.name)
			id = scoped
		case "EventSource":
			_, err = cl.GetEventSource(ctx, m.canvas, m.name)
			id = m.canvas + "/" + m.name
		case "ConnectionGroup":
			_, err = cl.GetConnectionGroup(ctx, m.canvas, m.name)
			id = m.canvas + "/" + m.name
		case "Stage":
			_, err = cl.GetStage(ctx, m.canvas, m.name)
			id = m.canvas + "/" + m.name
		}
		switch {
		case err == nil:
			ids[addr] = id
		case client.IsNotFound(err):
		default:
			kinds := map[string]string{"Canvas": "canvas", "Secret": "secret", "Integration": "integration", "EventSource": "event-source", "ConnectionGroup": "connection-group", "Stage": "stage"}
			return nil, s.explain(ctx, err, target{kind: kinds[m.kind], name: m.name, canvas: m.canvas})
		}
	}
	return ids, nil
}

func runConvert(ctx context.Context, s *session, args []string) error {
	if len(args) == 0 {
		return usagef("convert", "give one or more manifest files (- reads standard input)")
	}
	var all []manifest
	for _, path := range args {
		var ms []manifest
		var err error
		if path == "-" {
			ms, err = readManifests("standard input", s.io.Stdin)
		} else {
			f, oerr := os.Open(path)
			if oerr != nil {
				return oerr
			}
			ms, err = readManifests(path, f)
			_ = f.Close()
		}
		if err != nil {
			return err
		}
		all = append(all, ms...)
	}
	if len(all) == 0 {
		return fmt.Errorf("no manifests in %s", strings.Join(args, ", "))
	}
	c, err := newConverter(all)
	if err != nil {
		return err
	}
	var imports map[string]string
	if s.opts.importing {
		if imports, err = c.importIDs(ctx, s); err != nil {
			return err
		}
	}
	out, err := c.convert(imports)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprint(s.io.Stdout, out); err != nil {
		return err
	}
	for _, w := range c.warnings {
		_, _ = fmt.Fprintln(s.io.Stderr, "warning: "+w)
	}
	if len(c.vars) > 0 {
		_, _ = fmt.Fprintf(s.io.Stderr, "The secrets' values are not written out: set these %d variable(s) before applying, "+
			"for example as TF_VAR_<name>:\n", len(c.vars))
		for _, v := range c.vars {
			_, _ = fmt.Fprintln(s.io.Stderr, "  "+v)
		}
	}
	if s.opts.importing {
		_, _ = fmt.Fprintf(s.io.Stderr, "%d of %d object(s) exist on the server and get an import block.\n", len(imports), len(all))
	}
	return nil
}

func exportCommand() *command {
	return &command{
		name:    "export",
		summary: "write a live canvas as Terraform configuration",
		help: `Reads a canvas from the server (the canvas, its event sources, its connection groups, its
stages, and the secrets and integrations that belong to it) and prints it as HCL for this provider, with an
import block for each object, as "superplane convert --import" does for manifests: a
"terraform plan" then imports everything and changes nothing but the secrets, whose values
the API never returns (they become sensitive variables; the first apply writes them).
Secrets and integrations of the organization are named, not exported.

Example:
  superplane export --canvas production > production.tf`,
		flags: []string{"canvas"},
		run:   runExport,
	}
}

// specManifest is a manifest made from an object read from the server.
func specManifest(kind, name, desc, canvas string, spec any) (manifest, error) {
	raw, err := json.Marshal(spec)
	if err != nil {
		return manifest{}, err
	}
	return manifest{where: "the server", kind: kind, name: name, desc: desc, canvas: canvas, spec: raw}, nil
}

func runExport(ctx context.Context, s *session, args []string) error {
	if len(args) > 0 {
		return usagef("export", "takes no arguments: name the canvas with --canvas")
	}
	canvas, err := s.canvas()
	if err != nil {
		return err
	}
	cl, err := s.client()
	if err != nil {
		return err
	}
	cv, err := cl.GetCanvas(ctx, canvas)
	if err != nil {
		return s.explain(ctx, err, target{kind: "canvas", name: canvas})
	}
	name := cv.Metadata.Name
	ms := []manifest{{where: "the server", kind: "Canvas", name: name, desc: cv.Metadata.Description, spec: json.RawMessage("{}")}}
	add := func(kind, n, desc string, spec any) error {
		m, err := specManifest(kind, n, desc, name, spec)
		ms = append(ms, m)
		return err
	}
	secrets, err := cl.ListSecrets(ctx, api.DomainTypeCanvas, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "secret", canvas: name})
	}
	for i := range secrets {
		// Only the keys: every value reads back redacted, and the
		// converter writes variables for them.
		if err := add("Secret", secrets[i].Metadata.Name, "", secrets[i].Spec); err != nil {
			return err
		}
	}
	integrations, err := cl.ListIntegrations(ctx, api.DomainTypeCanvas, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "integration", canvas: name})
	}
	for i := range integrations {
		in := &integrations[i]
		if err := add("Integration", in.Metadata.Name, in.Metadata.Description, in.Spec); err != nil {
			return err
		}
	}
	sources, err := cl.ListEventSources(ctx, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "event-source", canvas: name})
	}
	for i := range sources {
		es := &sources[i]
		if err := add("EventSource", es.Metadata.Name, es.Metadata.Description, es.Spec); err != nil {
			return err
		}
	}
	groups, err := cl.ListConnectionGroups(ctx, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "connection-group", canvas: name})
	}
	for i := range groups {
		g := &groups[i]
		if err := add("ConnectionGroup", g.Metadata.Name, g.Metadata.Description, g.Spec); err != nil {
			return err
		}
	}
	stages, err := cl.ListStages(ctx, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "stage", canvas: name})
	}
	for i := range stages {
		st := &stages[i]
		if err := add("Stage", st.Metadata.Name, st.Metadata.Description, st.Spec); err != nil {
			return err
		}
	}
	c, err := newConverter(ms)
	if err != nil {
		return err
	}
	c.from = fmt.Sprintf("%q from the canvas %s at %s", "superplane export", name, s.cfg.url)
	imports := map[string]string{}
	for i := range c.ms {
		m := &c.ms[i]
		id := name + "/" + m.name
		switch m.kind {
		case "Canvas":
			id = name
		case "Secret", "Integration":
			id = "canvas/" + name + "/" + m.name
		}
		imports[resourceTypes[m.kind]+"."+m.label] = id
	}
	out, err := c.convert(imports)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprint(s.io.Stdout, out); err != nil {
		return err
	}
	for _, w := range c.warnings {
		_, _ = fmt.Fprintln(s.io.Stderr, "warning: "+w)
	}
	if len(c.vars) > 0 {
		_, _ = fmt.Fprintf(s.io.Stderr, "The API never returns secret values: set these %d variable(s) to them before applying, "+
			"for example as TF_VAR_<name>:\n", len(c.vars))
		for _, v := range c.vars {
			_, _ = fmt.Fprintln(s.io.Stderr, "  "+v)
		}
	}
	return nil
}
