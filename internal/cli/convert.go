package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// maxManifest bounds one manifest file: a canvas is kilobytes of YAML.
const maxManifest = 10 << 20

func convertCommand() *command {
	return &command{
		name:    "convert",
		args:    "FILE...",
		summary: "turn SuperPlane v1 YAML manifests into Terraform configuration",
		help: `Reads SuperPlane v1 manifests (YAML documents with kind Canvas, Secret, Integration,
EventSource, ConnectionGroup or Stage, apiVersion v1, metadata and spec as the v1 API
names them; several documents per file separated by ---) and prints the same objects as
HCL for this provider, references between them included (a stage's canvas, connections,
integration and secrets, a connection group's sources and stages, point at the resources
that create them). Save it as a .tf file and run "terraform validate".

Secret values are never written out: each becomes a sensitive variable that the secret's
data_wo reads (set it with TF_VAR_<name>); the variables are listed on standard error.
What the provider cannot say is left out with a warning on standard error.

With --import (after "superplane login") the server is asked which of the objects exist
already, and an import block is written for each, so that "terraform plan" adopts them
instead of creating them again (a secret's values cannot be read back: its first apply
writes them).

Example:
  superplane convert canvas.yaml stages/*.yaml > superplane.tf`,
		flags: []string{"import"},
		run:   runConvert,
	}
}

// manifest is one YAML document.
type manifest struct {
	where  string // file:document, for messages
	kind   string
	name   string
	desc   string
	canvas string // canvasName, canvasId or a canvas domainId; "" for organization objects
	spec   json.RawMessage
	label  string // the Terraform resource name
}

// resource types of the provider, by manifest kind.
var resourceTypes = map[string]string{
	"Canvas":      "superplane_canvas",
	"Secret":      "superplane_secret",
	"Integration": "superplane_integration",
	"EventSource": "superplane_event_source",
	"Stage":       "superplane_stage",
	// ConnectionGroup: a group joins sources and stages, and stages connect
	// to it.
	"ConnectionGroup": "superplane_connection_group",
}

// kindOrder is the order resources are written in: what others refer to first.
var kindOrder = []string{"Canvas", "Secret", "Integration", "EventSource", "ConnectionGroup", "Stage"}

// readManifests parses every YAML document of a file.
func readManifests(path string, r io.Reader) ([]manifest, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxManifest {
		return nil, fmt.Errorf("%s: more than %d bytes", path, maxManifest)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var out []manifest
	for n := 1; ; n++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		where := fmt.Sprintf("%s, document %d", path, n)
		if err != nil {
			return nil, fmt.Errorf("%s: not YAML: %v", where, err)
		}
		if doc == nil {
			continue
		}
		m, err := parseManifest(where, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// parseManifest reads a document's header and metadata and keeps its spec
// as JSON, for the API's types to decode.
func parseManifest(where string, doc map[string]any) (manifest, error) {
	m := manifest{where: where}
	if v, ok := doc["apiVersion"]; ok && fmt.Sprint(v) != "v1" {
		return m, fmt.Errorf("%s: apiVersion %v: only v1 manifests are converted", where, v)
	}
	m.kind, _ = doc["kind"].(string)
	if _, ok := resourceTypes[m.kind]; !ok {
		return m, fmt.Errorf("%s: kind %q: want Canvas, Secret, Integration, EventSource, ConnectionGroup or Stage", where, m.kind)
	}
	meta, _ := doc["metadata"].(map[string]any)
	text := func(k string) string {
		if s, ok := meta[k].(string); ok {
			return strings.TrimSpace(s)
		}
		return ""
	}
	m.name, m.desc = text("name"), text("description")
	if m.name == "" {
		return m, fmt.Errorf("%s: %s without metadata.name", where, m.kind)
	}
	m.canvas = text("canvasName")
	if m.canvas == "" {
		m.canvas = text("canvasId")
	}
	if m.canvas == "" && strings.EqualFold(strings.TrimPrefix(strings.ToUpper(text("domainType")), "DOMAIN_TYPE_"), "canvas") {
		m.canvas = text("domainId")
	}
	switch m.kind {
	case "EventSource", "ConnectionGroup", "Stage":
		if m.canvas == "" {
			return m, fmt.Errorf("%s: %s %q without metadata.canvasName (or canvasId)", where, m.kind, m.name)
		}
	case "Canvas":
		m.canvas = ""
	}
	spec := doc["spec"]
	if spec == nil {
		spec = map[string]any{}
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return m, fmt.Errorf("%s: spec: %v", where, err)
	}
	m.spec = raw
	return m, nil
}

var labelChars = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// labelFor makes a Terraform resource name out of an object's name.
func labelFor(name string) string {
	l := strings.Trim(labelChars.ReplaceAllString(name, "_"), "_")
	if l == "" || (l[0] >= '0' && l[0] <= '9') {
		l = "r_" + l
	}
	return l
}

// converter turns manifests into HCL, resolving references between them.
type converter struct {
	ms       []manifest
	byKey    map[string]*manifest // kind/canvas/name -> manifest
	warnings []string
	vars     []string // the secret variables written
	from     string   // what the HCL was made from, for its first line
}

func key(kind, canvas, name string) string { return kind + "/" + canvas + "/" + name }

// newConverter labels every manifest uniquely per resource type.
func newConverter(ms []manifest) (*converter, error) {
	c := &converter{ms: ms, byKey: map[string]*manifest{}, from: `"superplane convert" from SuperPlane v1 manifests`}
	used := map[string]bool{}
	for i := range c.ms {
		m := &c.ms[i]
		k := key(m.kind, m.canvas, m.name)
		if prev, dup := c.byKey[k]; dup {
			return nil, fmt.Errorf("%s: %s %q is also in %s", m.where, m.kind, m.name, prev.where)
		}
		c.byKey[k] = m
		label := labelFor(m.name)
		if used[m.kind+"."+label] && m.canvas != "" {
			label = labelFor(m.canvas + "_" + m.name)
		}
		for n := 2; used[m.kind+"."+label]; n++ {
			label = fmt.Sprintf("%s_%d", labelFor(m.name), n)
		}
		used[m.kind+"."+label] = true
		m.label = label
	}
	return c, nil
}

// ref returns a reference to the name of the converted object, or its
// name as a string when it is not among the manifests.
func (c *converter) ref(kind, canvas, name string) string {
	if m := c.byKey[key(kind, canvas, name)]; m != nil {
		return resourceTypes[kind] + "." + m.label + ".name"
	}
	return hclString(name)
}

// canvasRef refers to a canvas, by resource when it is converted too.
func (c *converter) canvasRef(canvas string) string {
	return c.ref("Canvas", "", canvas)
}

// warnf records something the HCL cannot say.
func (c *converter) warnf(m *manifest, format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf("%s: %s %q: %s", m.where, m.kind, m.name, fmt.Sprintf(format, args...)))
}

// decodeSpec decodes a manifest's spec into v (an API type), naming the
// document when a field has the wrong type.
func decodeSpec(m *manifest, v any) error {
	if err := json.Unmarshal(m.spec, v); err != nil {
		return fmt.Errorf("%s: %s %q: spec: %v", m.where, m.kind, m.name, err)
	}
	return nil
}

// convert renders every manifest, what others refer to first.
func (c *converter) convert(imports map[string]string) (string, error) {
	var sb strings.Builder
	sb.WriteString("# Generated by " + c.from + ".\n\n")
	sb.WriteString("# Remove this block when the configuration already names the provider.\n")
	tf := &hclBlock{header: "terraform"}
	tf.child("required_providers").strMap("superplane", map[string]string{"source": hclString("superplane/superplane")})
	tf.write(&sb, "")
	for _, kind := range kindOrder {
		for i := range c.ms {
			m := &c.ms[i]
			if m.kind != kind {
				continue
			}
			blocks, err := c.render(m)
			if err != nil {
				return "", err
			}
			for _, b := range blocks {
				sb.WriteString("\n")
				b.write(&sb, "")
			}
			if id, ok := imports[resourceTypes[m.kind]+"."+m.label]; ok {
				sb.WriteString("\n")
				imp := &hclBlock{header: "import"}
				imp.expr("to", resourceTypes[m.kind]+"."+m.label)
				imp.str("id", id)
				imp.write(&sb, "")
			}
		}
	}
	return sb.String(), nil
}

// render returns the blocks of one manifest: its resource, and for a
// secret the variables holding its values.
func (c *converter) render(m *manifest) ([]*hclBlock, error) {
	r := &hclBlock{header: fmt.Sprintf("resource %q %q", resourceTypes[m.kind], m.label)}
	if m.canvas != "" {
		r.expr("canvas", c.canvasRef(m.canvas))
	}
	r.str("name", m.name)
	switch m.kind {
	case "Canvas":
		r.str("description", m.desc)
	case "Secret":
		return c.secret(m, r)
	case "Integration":
		return []*hclBlock{r}, c.integration(m, r)
	case "EventSource":
		return []*hclBlock{r}, c.eventSource(m, r)
	case "ConnectionGroup":
		return []*hclBlock{r}, c.connectionGroup(m, r)
	case "Stage":
		return []*hclBlock{r}, c.stage(m, r)
	}
	return []*hclBlock{r}, nil
}

// secret writes a secret whose values come from sensitive variables: the
// values in the manifest are never written out.
func (c *converter) secret(m *manifest, r *hclBlock) ([]*hclBlock, error) {
	var spec api.SecretSpec
	if err := decodeSpec(m, &spec); err != nil {
		return nil, err
	}
	var keys []string
	if spec.Local != nil {
		for k := range spec.Local.Data {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var blocks []*hclBlock
	data := map[string]string{}
	for _, k := range keys {
		v := labelFor("secret_" + m.label + "_" + k)
		vb := &hclBlock{header: fmt.Sprintf("variable %q", v)}
		vb.str("description", fmt.Sprintf("The value of key %q of the secret %q.", k, m.name))
		vb.expr("type", "string")
		vb.expr("sensitive", "true")
		blocks = append(blocks, vb)
		data[k] = "var." + v
		c.vars = append(c.vars, v)
	}
	if len(keys) == 0 {
		c.warnf(m, "no keys under spec.local.data: add them to data_wo")
	}
	r.strMap("data_wo", data)
	r.num("data_wo_version", 1)
	return append(blocks, r), nil
}

// scopeOf turns a domain type into the provider's scope: organization or canvas.
func scopeOf(domainType string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ToUpper(domainType), "DOMAIN_TYPE_"))
}

func (c *converter) integration(m *manifest, r *hclBlock) error {
	var spec api.IntegrationSpec
	if err := decodeSpec(m, &spec); err != nil {
		return err
	}
	r.str("type", spec.Type)
	r.str("url", spec.URL)
	r.str("description", m.desc)
	if spec.Type == api.IntegrationTypeAWS {
		return c.awsIntegration(m, r, spec.AWS)
	}
	switch spec.Type {
	case api.IntegrationTypeAzure:
		c.azureIntegration(m, r, spec.Azure)
		return nil
	case api.IntegrationTypeGCP:
		c.gcpIntegration(m, r, spec.GCP)
		return nil
	case api.IntegrationTypeDatadog:
		c.datadogIntegration(m, r, spec.Datadog)
		return nil
	case api.IntegrationTypeMongoDBAtlas:
		c.mongoDBAtlasIntegration(m, r, spec.MongoDBAtlas)
		return nil
	}
	if spec.Auth == nil || spec.Auth.Token == nil || spec.Auth.Token.ValueFrom == nil || spec.Auth.Token.ValueFrom.Secret == nil {
		c.warnf(m, "no spec.auth.token.valueFrom.secret: add the auth block")
		return nil
	}
	sec := spec.Auth.Token.ValueFrom.Secret
	tok := r.child("auth").child("token")
	secretCanvas := m.canvas
	scope := scopeOf(sec.DomainType)
	if scope == "organization" {
		secretCanvas = ""
	}
	tok.expr("secret", c.secretRef(secretCanvas, sec.Name))
	tok.str("key", sec.Key)
	if m.canvas != "" && scope == "organization" {
		tok.str("scope", scope)
	}
	return nil
}

// secretRef refers to a secret of a canvas (or of the organization),
// falling back to the organization's when the canvas has no such secret.
func (c *converter) secretRef(canvas, name string) string {
	if canvas != "" {
		if m := c.byKey[key("Secret", canvas, name)]; m != nil {
			return c.ref("Secret", canvas, name)
		}
	}
	return c.ref("Secret", "", name)
}

// integrationRef likewise refers to an integration.
func (c *converter) integrationRef(canvas, name string) string {
	if m := c.byKey[key("Integration", canvas, name)]; m != nil {
		return c.ref("Integration", canvas, name)
	}
	return c.ref("Integration", "", name)
}

// enumWord turns a contract enum into the provider's word:
// FILTER_OPERATOR_OR -> or, SIGNATURE_SCHEME_HMAC_SHA256 -> hmac_sha256.
func enumWord(v, prefix string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ToUpper(v), prefix))
}

// filters writes filter blocks and the operator.
func filters(b *hclBlock, fs []api.Filter, op string) {
	for _, f := range fs {
		fb := b.child("filter")
		switch {
		case f.Data != nil:
			fb.str("data", f.Data.Expression)
		case f.Header != nil:
			fb.str("header", f.Header.Expression)
		}
	}
	if w := enumWord(op, "FILTER_OPERATOR_"); w == "or" {
		b.str("filter_operator", w)
	}
}

func (c *converter) eventSource(m *manifest, r *hclBlock) error {
	var spec api.EventSourceSpec
	if err := decodeSpec(m, &spec); err != nil {
		return err
	}
	r.str("description", m.desc)
	typ := spec.Type
	if typ == "" {
		// The earliest v1 manifests had no type: a custom webhook.
		typ = api.EventSourceTypeWebhook
	}
	r.str("type", typ)
	if spec.Integration != nil && spec.Integration.Name != "" {
		r.expr("integration", c.integrationRef(m.canvas, spec.Integration.Name))
	}
	if w := enumWord(spec.SignatureScheme, "SIGNATURE_SCHEME_"); w != "" && w != "hmac_sha256" {
		r.str("signature_scheme", w)
	}
	if spec.Resource != nil {
		rb := r.child("resource")
		rb.str("type", spec.Resource.Type)
		rb.str("name", spec.Resource.Name)
	}
	for _, et := range spec.Events {
		eb := r.child("events")
		eb.str("type", et.Type)
		filters(eb, et.Filters, et.FilterOperator)
	}
	if s := spec.Schedule; s != nil {
		sb := r.child("schedule")
		sb.str("type", enumWord(s.Type, "TYPE_"))
		switch {
		case s.Hourly != nil:
			sb.num("minute", int64(s.Hourly.Minute))
		case s.Daily != nil:
			sb.str("time", s.Daily.Time)
		case s.Weekly != nil:
			sb.str("week_day", strings.ToLower(s.Weekly.WeekDay))
			sb.str("time", s.Weekly.Time)
		}
	}
	return nil
}
