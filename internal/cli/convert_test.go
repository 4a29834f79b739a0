package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// The manifests of testdata/: one canvas with every kind, and the values
// of its secrets, which must never be written out.
var (
	manifestFiles  = []string{"testdata/manifests.yaml", "testdata/stages.yaml", "testdata/groups.yaml", "testdata/typed.yaml"}
	manifestValues = []string{"manifest-secret-value-1", "manifest-secret-value-2", "manifest-secret-value-3", "manifest-secret-value-4", "manifest-secret-value-5", "manifest-secret-value-6", "manifest-secret-value-7", "manifest-secret-value-8"}
)

// TestConvertManifests: every kind becomes its resource, references point
// at the converted resources, templates are escaped for HCL, and secret
// values become sensitive variables instead of being written out.
func TestConvertManifests(t *testing.T) {
	c := loggedOut(t)
	r := c.run(append([]string{"convert"}, manifestFiles...)...)
	if r.code != 0 {
		t.Fatalf("convert: exit %d: %s", r.code, r.stderr)
	}
	for _, v := range manifestValues {
		if strings.Contains(r.stdout+r.stderr, v) {
			t.Errorf("convert wrote the secret value %q", v)
		}
	}
	for _, want := range []string{
		`source = "superplane/superplane"`,
		`resource "superplane_canvas" "conv_production" {`,
		`resource "superplane_secret" "conv_deploy" {`,
		`canvas = superplane_canvas.conv_production.name`,
		`token = var.secret_conv_deploy_token`,
		`sensitive   = true`,
		`secret = superplane_secret.conv_github_token.name`,
		`name = superplane_event_source.ci.name`,
		`name = superplane_stage.deploy.name`,
		`integration = superplane_integration.conv_github.name`,
		`filter_operator = "or"`,
		`header = "headers['x-event'] == \"push\""`,
		`Authorization = "Bearer $${{ secrets.TOKEN }}"`,
		`Content-Type  = "application/json"`,
		`status_codes    = [200, 202]`,
		`results = ["passed"]`,
		`triggered_by = "ci"`,
		`message = "released \"stable\" at 100%%{ok}"`,
		`week_days = ["monday", "tuesday", "wednesday", "thursday", "friday"]`,
		// The connection group, its connections by reference, and the
		// stage behind it.
		`resource "superplane_connection_group" "shipped" {`,
		"  connect {\n    type = \"event_source\"\n    name = superplane_event_source.ci.name\n",
		"  connect {\n    type = \"stage\"\n    name = superplane_stage.deploy.name\n  }\n",
		"  group_by {\n    name       = \"version\"\n    expression = \"$.version\"\n  }\n",
		"  timeout_seconds  = 3600\n  timeout_behavior = \"emit\"\n",
		"  connect {\n    type = \"connection_group\"\n    name = superplane_connection_group.shipped.name\n  }\n",
		// GitLab and AWS: their integrations and executors as typed blocks.
		"  type   = \"gitlab\"\n  url    = \"https://gitlab.com\"\n",
		"  gitlab {\n    integration = superplane_integration.conv_gitlab.name\n    project     = \"acme/app\"\n    ref         = \"main\"\n",
		"CHANNEL = \"stable\"",
		"  aws {\n    region = \"eu-west-1\"\n\n    access_key {\n      secret                = superplane_secret.conv_cloud.name\n      access_key_id_key     = \"key-id\"\n      secret_access_key_key = \"key-secret\"\n    }\n",
		"      role_arn         = \"arn:aws:iam::123456789012:role/deployer\"\n      external_id      = \"conv\"\n      session_duration = 1800\n",
		"    integration = superplane_integration.conv_aws.name\n    aws_service = \"lambda\"\n    aws_region  = \"eu-west-1\"\n",
		// Azure and GCP: their typed blocks, the stored credential named
		// by secret and key.
		"  azure {\n    tenant_id       = \"0f0e0d0c-0b0a-4909-8807-060504030201\"\n    client_id       = \"1a2b3c4d-0000-4000-8000-00000000c0a1\"\n    subscription_id = \"5a5a5a5a-6b6b-4c4c-8d8d-7e7e7e7e7e7e\"\n\n    client_secret {\n      secret = superplane_secret.conv_cloud.name\n      key    = \"azure\"\n    }\n  }\n",
		"  gcp {\n    project_id = \"conv-project-123\"\n\n    service_account_key {\n      secret = superplane_secret.conv_cloud.name\n      key    = \"gcp-key\"\n    }\n  }\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the HCL lacks %s", want)
		}
	}
	// Resources come in dependency order: canvas, secrets, integration,
	// sources, stages.
	order := []string{`"superplane_canvas"`, `"superplane_secret"`, `"superplane_integration"`, `"superplane_event_source"`, `"superplane_connection_group"`, `"superplane_stage"`}
	last := -1
	for _, o := range order {
		i := strings.Index(r.stdout, o)
		if i < last {
			t.Errorf("%s comes before what it may refer to", o)
		}
		last = i
	}
	if !strings.Contains(r.stderr, "secret_conv_github_token_token") || !strings.Contains(r.stderr, "TF_VAR_") {
		t.Errorf("convert should list the variables to set: %s", r.stderr)
	}
	// The same input gives the same output.
	if again := c.ok(append([]string{"convert"}, manifestFiles...)...); again != r.stdout {
		t.Error("two conversions of the same manifests differ")
	}

	// --import asks the server, so it needs a login.
	if msg := c.fails(1, append([]string{"convert", "--import"}, manifestFiles...)...); !strings.Contains(msg, "superplane login") {
		t.Errorf("convert --import without a token: %s", msg)
	}

	// Standard input, and what cannot be converted.
	for _, tc := range []struct{ doc, want string }{
		{"kind: ConnectionGroup\nmetadata: {name: g}\nspec: {}\n", "without metadata.canvasName"},
		{"kind: ConnectionGroup\nmetadata: {name: g, canvasName: c}\nspec: {connections: [{type: TYPE_CONNECTION_GROUP, name: h}]}\n", "a group joins event sources"},
		{"kind: ConnectionGroup\nmetadata: {name: g, canvasName: c}\nspec: {timeoutBehavior: TIMEOUT_BEHAVIOR_WAIT}\n", `timeoutBehavior "TIMEOUT_BEHAVIOR_WAIT"`},
		{"kind: ConnectionGroup\nmetadata: {name: g, canvasName: c}\nspec: {timeout: soon}\n", "spec:"},
		{"apiVersion: v2\nkind: Canvas\nmetadata: {name: c}\n", "only v1 manifests"},
		{"kind: Stage\nmetadata: {name: s}\nspec: {executor: {type: noop}}\n", "without metadata.canvasName"},
		{"kind: Widget\nmetadata: {name: w}\n", `kind "Widget"`},
		{"kind: Stage\nmetadata: {name: s, canvasName: c}\nspec: {executor: {type: shell}}\n", `executor type "shell"`},
		{"kind: Stage\nmetadata: {name: s, canvasName: c}\nspec: {inputs: oops, executor: {type: noop}}\n", "spec:"},
		{"kind: Canvas\nmetadata: {name: c}\n---\nkind: Canvas\nmetadata: {name: c}\n", "is also in"},
		{"kind: [\n", "not YAML"},
	} {
		c.stdin = tc.doc
		if msg := c.fails(1, "convert", "-"); !strings.Contains(msg, tc.want) {
			t.Errorf("convert of %q: %s (want %q)", tc.doc, msg, tc.want)
		}
	}
	// A bitbucket executor (a live canvas exports it) becomes its block,
	// every spec field included; typed.yaml covers gitlab.
	c.stdin = "kind: Stage\nmetadata: {name: bb, canvasName: c}\nspec: {executor: {type: bitbucket, integration: {name: bucket}, " +
		"resource: {type: repository, name: app}, spec: {ref: main, pipeline: deploy, variables: {COMMIT: abc}}}}\n"
	r = c.run("convert", "-")
	if r.code != 0 || strings.Contains(r.stderr, "has no") {
		t.Fatalf("convert of a bitbucket stage: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"bitbucket {", `repository  = "app"`, `pipeline    = "deploy"`, `COMMIT = "abc"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the HCL of the bitbucket stage lacks %s:\n%s", want, r.stdout)
		}
	}
	// What the provider cannot say is written as near as it can, with a
	// warning: a group without enough connections or a key, an AWS key
	// pair from two secrets, an aws integration without spec.aws.
	for doc, want := range map[string]string{
		"kind: ConnectionGroup\nmetadata: {name: g, canvasName: c}\nspec: {connections: [{type: TYPE_EVENT_SOURCE, name: a}]}\n":                                                                                                    "1 connection(s): a group joins 2 to 20",
		"kind: ConnectionGroup\nmetadata: {name: g, canvasName: c}\nspec: {}\n":                                                                                                                                                     "no spec.groupBy.fields",
		"kind: Integration\nmetadata: {name: a}\nspec: {type: aws, aws: {region: eu-west-1, accessKey: {accessKeyId: {valueFrom: {secret: {name: one, key: id}}}, secretAccessKey: {valueFrom: {secret: {name: two, key: s}}}}}}\n": `two secrets ("one" and "two")`,
		"kind: Integration\nmetadata: {name: a}\nspec: {type: aws}\n":                                                                                                                                                               "without spec.aws",
	} {
		c.stdin = doc
		if r := c.run("convert", "-"); r.code != 0 || !strings.Contains(r.stderr, "warning: ") || !strings.Contains(r.stderr, want) {
			t.Errorf("convert of %q: exit %d, want a warning %q:\n%s", doc, r.code, want, r.stderr)
		}
	}
	c.stdin = "kind: Stage\nmetadata: {name: ado, canvasName: c}\nspec: {executor: {type: azure_devops, integration: {name: devops}, " +
		"resource: {type: project, name: 'Fabrikam Fiber'}, spec: {pipeline: '12', ref: main, parameters: {env: prod}, variables: {SHA: abc}}}}\n"
	r = c.run("convert", "-")
	if r.code != 0 || strings.Contains(r.stderr, "has no") {
		t.Fatalf("convert of an azure_devops stage: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"azure_devops {", `project     = "Fabrikam Fiber"`, `pipeline    = "12"`, `env = "prod"`, `SHA = "abc"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the HCL of the azure_devops stage lacks %s:\n%s", want, r.stdout)
		}
	}
	c.stdin = "kind: Stage\nmetadata: {name: s, canvasName: c}\nspec: {executor: {type: http, spec: {url: 'https://x', retries: 3, payload: {n: 1}}}}\n"
	r = c.run("convert", "-")
	if r.code != 0 || !strings.Contains(r.stderr, "spec.executor.spec.retries has no http attribute") || !strings.Contains(r.stdout, `n = "1"`) {
		t.Errorf("convert warns about what it leaves out: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// createFromManifests creates the manifests' objects through the API, as
// a SuperPlane user who kept them did with "superplane create -f".
func createFromManifests(t *testing.T) {
	t.Helper()
	var ms []manifest
	for _, f := range manifestFiles {
		file, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readManifests(f, file)
		_ = file.Close()
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, got...)
	}
	for i := range ms {
		m := &ms[i]
		dt, did := api.DomainTypeOrganization, ""
		if m.canvas != "" {
			dt, did = api.DomainTypeCanvas, m.canvas
		}
		var err error
		switch m.kind {
		case "Canvas":
			_, err = srv.owner.CreateCanvas(ctx(t), m.name, m.desc)
		case "Secret":
			var spec api.SecretSpec
			if err = decodeSpec(m, &spec); err == nil {
				if _, ok := spec.Local.Data["gcp-key"]; ok {
					// A key file the fake Google Cloud knows, for the gcp
					// integration's verification.
					spec.Local.Data["gcp-key"] = srv.gcpKey
				}
				_, err = srv.owner.CreateSecret(ctx(t), dt, did, m.name, spec.Local.Data)
			}
		case "Integration":
			var spec api.IntegrationSpec
			if err = decodeSpec(m, &spec); err == nil {
				p := client.IntegrationParams{Name: m.name, Description: m.desc, Type: spec.Type, URL: spec.URL, AWS: spec.AWS, Azure: spec.Azure, GCP: spec.GCP}
				if spec.Auth != nil {
					sec := spec.Auth.Token.ValueFrom.Secret
					p.SecretName, p.SecretKey = sec.Name, sec.Key
				}
				_, err = srv.owner.CreateIntegration(ctx(t), dt, did, p)
			}
		case "EventSource":
			var spec api.EventSourceSpec
			if err = decodeSpec(m, &spec); err == nil {
				_, _, err = srv.owner.CreateEventSource(ctx(t), m.canvas, client.EventSourceParams{Name: m.name, Description: m.desc, Spec: spec})
			}
		case "ConnectionGroup":
			var spec api.ConnectionGroupSpec
			if err = decodeSpec(m, &spec); err == nil {
				_, err = srv.owner.CreateConnectionGroup(ctx(t), m.canvas, client.ConnectionGroupParams{Name: m.name, Description: m.desc, Spec: spec})
			}
		case "Stage":
			var spec api.StageSpec
			if err = decodeSpec(m, &spec); err == nil {
				_, err = srv.owner.CreateStage(ctx(t), m.canvas, client.StageParams{Name: m.name, Description: m.desc, Spec: spec})
			}
		}
		if err != nil {
			t.Fatalf("creating %s %q: %v", m.kind, m.name, err)
		}
	}
}

// terraformPath finds terraform as the acceptance tests do.
func terraformPath() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, _ := exec.LookPath("terraform")
	return p
}

// TestConvertPlansNoChange: the manifests' objects exist on the server;
// "convert --import" writes HCL with an import block for each, which
// passes terraform validate, and terraform plan imports every object
// without a change, except the secrets, whose values the API never returns
// and which the first apply therefore writes.
func TestConvertPlansNoChange(t *testing.T) {
	tf := terraformPath()
	if tf == "" {
		t.Skip("terraform is not installed (or TF_ACC_TERRAFORM_PATH not set): skipping the validate and plan of converted manifests")
	}
	createFromManifests(t)
	c := newCLI(t)
	r := c.run(append([]string{"convert", "--import"}, manifestFiles...)...)
	if r.code != 0 {
		t.Fatalf("convert --import: exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\nimport {"); n != 18 {
		t.Errorf("%d import blocks, want one per object (18)", n)
	}
	for _, want := range []string{`id = "conv-production"`, `id = "canvas/conv-production/conv-deploy"`, `id = "organization/conv-github"`, `id = "conv-production/smoke-test"`, `id = "conv-production/shipped"`, `id = "canvas/conv-production/conv-aws"`, `id = "canvas/conv-production/conv-azure"`, `id = "canvas/conv-production/conv-gcp"`, `id = "conv-production/pipeline"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the import blocks lack %s", want)
		}
	}

	tfp := newTerraformPlanner(t, tf)
	tfp.expectImportNoChange(t, r.stdout, 18)

	// export writes the live canvas the same way: its own objects (not the
	// organization's integration and secret) import without a change.
	out := c.ok("export", "--canvas", "conv-production")
	for _, v := range manifestValues {
		if strings.Contains(out, v) {
			t.Errorf("export wrote the secret value %q", v)
		}
	}
	if strings.Contains(out, `resource "superplane_integration" "conv_github"`) || !strings.Contains(out, `integration = "conv-github"`) {
		t.Errorf("export should name the organization's integration, not export it:\n%s", out)
	}
	if !strings.Contains(out, `resource "superplane_connection_group" "shipped" {`) || !strings.Contains(out, "name = superplane_connection_group.shipped.name") {
		t.Errorf("export should write the canvas's connection group and the stage's reference to it:\n%s", out)
	}
	if !strings.Contains(out, "  azure {\n") || !strings.Contains(out, "  gcp {\n") || !strings.Contains(out, "service_account_key {") {
		t.Errorf("export should write the canvas's azure and gcp integrations with their typed blocks:\n%s", out)
	}
	tfp.expectImportNoChange(t, out, 16)
}

// terraformPlanner plans configurations with the provider built from this
// tree (through dev_overrides) against the test server.
type terraformPlanner struct {
	tf, rc string
}

func newTerraformPlanner(t *testing.T, tf string) *terraformPlanner {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-superplane"), ".")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, []byte("provider_installation {\n  dev_overrides {\n    \"superplane/superplane\" = \""+bin+"\"\n  }\n  direct {}\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &terraformPlanner{tf: tf, rc: rc}
}

// expectImportNoChange validates hcl, plans it and checks that the plan
// imports want resources, each without a change but the secrets' values.
func (p *terraformPlanner) expectImportNoChange(t *testing.T, hcl string, want int) {
	t.Helper()
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(withoutPrefix(os.Environ(), "SUPERPLANE_"),
		"TF_CLI_CONFIG_FILE="+p.rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"SUPERPLANE_API_URL="+srv.url, "SUPERPLANE_API_TOKEN="+srv.ownerToken,
		"TF_VAR_secret_conv_deploy_token=a", "TF_VAR_secret_conv_deploy_user=b", "TF_VAR_secret_conv_github_token_token=c",
		"TF_VAR_secret_conv_cloud_gitlab=d", "TF_VAR_secret_conv_cloud_key_id=e", "TF_VAR_secret_conv_cloud_key_secret=f",
		"TF_VAR_secret_conv_cloud_azure=g", "TF_VAR_secret_conv_cloud_gcp_key=h")
	terraform := func(args ...string) string {
		t.Helper()
		c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(c, p.tf, args...)
		cmd.Dir, cmd.Env = work, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("terraform %s: %v\n%s\n%s\nthe configuration:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String(), hcl)
		}
		return stdout.String()
	}
	terraform("validate", "-no-color")
	planText := terraform("plan", "-no-color", "-input=false", "-out=plan.tfplan")
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions   []string        `json:"actions"`
				Importing json.RawMessage `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(terraform("show", "-json", "plan.tfplan")), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.ResourceChanges) != want {
		t.Errorf("the plan has %d resources, want %d", len(plan.ResourceChanges), want)
	}
	for _, rc := range plan.ResourceChanges {
		action := "no-op"
		if strings.HasPrefix(rc.Address, "superplane_secret.") {
			action = "update"
		}
		if len(rc.Change.Actions) != 1 || rc.Change.Actions[0] != action || len(rc.Change.Importing) == 0 {
			t.Errorf("%s: actions %v (importing: %s), want %s while importing; the plan:\n%s", rc.Address, rc.Change.Actions, rc.Change.Importing, action, planText)
		}
	}
}
