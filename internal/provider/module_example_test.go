package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// moduleServiceObjects are the resources the service module creates for
// each instance, as addresses inside the instance.
var moduleServiceObjects = []string{
	"superplane_secret.this",
	"superplane_event_source.push",
	"superplane_stage.build",
	"superplane_stage.deploy",
}

// moduleRootDir writes examples/modules/root/main.tf into a directory of
// the test's own with the module source made absolute, and returns it for
// ConfigDirectory. The framework copies the directory's files into a
// working directory of its own, where "../service" would name nothing;
// Terraform copies an absolute source into .terraform/modules at init,
// offline. (A Config string would not do: the framework runs terraform
// init before writing it, so no module would be installed.)
func moduleRootDir(t *testing.T) string {
	t.Helper()
	examples, err := filepath.Abs(filepath.Join("..", "..", "examples", "modules"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(examples, "root", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	const rel = `"../service"`
	if strings.Count(string(b), rel) != 1 {
		t.Fatalf("examples/modules/root/main.tf: want exactly one module source %s", rel)
	}
	dir := t.TempDir()
	cfg := strings.Replace(string(b), rel, fmt.Sprintf("%q", filepath.Join(examples, "service")), 1)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// moduleService is one entry of the root example's services variable.
type moduleService struct {
	description, branch, deployURL string
}

// moduleVariables are the root example's variables for canvas and services;
// each service's deploy token comes from tokens.
func moduleVariables(canvas string, services map[string]moduleService, tokens map[string]string) config.Variables {
	svcs := map[string]config.Variable{}
	toks := map[string]config.Variable{}
	for name, s := range services {
		obj := map[string]config.Variable{
			"description": config.StringVariable(s.description),
			"deploy_url":  config.StringVariable(s.deployURL),
		}
		if s.branch != "" {
			obj["branch"] = config.StringVariable(s.branch)
		}
		svcs[name] = config.ObjectVariable(obj)
		toks[name] = config.StringVariable(tokens[name])
	}
	return config.Variables{
		"canvas":        config.StringVariable(canvas),
		"services":      config.MapVariable(svcs),
		"deploy_tokens": config.MapVariable(toks),
	}
}

// expectServiceActions plans action for every object of each named
// instance of the service module.
func expectServiceActions(action plancheck.ResourceActionType, names ...string) []plancheck.PlanCheck {
	var checks []plancheck.PlanCheck
	for _, n := range names {
		for _, o := range moduleServiceObjects {
			checks = append(checks, plancheck.ExpectResourceAction(fmt.Sprintf("module.service[%q].%s", n, o), action))
		}
	}
	return checks
}

// stateCheckFunc is a state check that looks at the server rather than the
// state. The module test cannot use TestStep.Check: the framework's legacy
// state shim refuses a state with child modules.
type stateCheckFunc func() error

// CheckState runs f.
func (f stateCheckFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// checkStageDescription checks the server's description of a stage.
// (statecheck.ExpectKnownValue looks at the root module's resources only.)
func checkStageDescription(canvas, stage, want string) stateCheckFunc {
	return func() error {
		st, err := acc.client.GetStage(context.Background(), canvas, stage)
		if err != nil {
			return err
		}
		if st.Metadata.Description != want {
			return fmt.Errorf("stage %s description = %q, want %q", stage, st.Metadata.Description, want)
		}
		return nil
	}
}

// checkServiceChains checks on the server that each named service has its
// build stage connected to its push source and its deploy stage to its
// build stage, and that no stage of another service is on the canvas.
func checkServiceChains(canvas string, names ...string) stateCheckFunc {
	return func() error {
		ctx := context.Background()
		stages, err := acc.client.ListStages(ctx, canvas)
		if err != nil {
			return err
		}
		var got, want []string
		for _, st := range stages {
			got = append(got, st.Metadata.Name)
		}
		for _, n := range names {
			want = append(want, n+"-build", n+"-deploy")
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("stages on canvas %s = %v, want %v", canvas, got, want)
		}
		for _, n := range names {
			for stage, from := range map[string]string{n + "-build": n + "-push", n + "-deploy": n + "-build"} {
				st, err := acc.client.GetStage(ctx, canvas, stage)
				if err != nil {
					return err
				}
				if c := st.Spec.Connections; len(c) != 1 || c[0].Name != from {
					return fmt.Errorf("stage %s connects to %+v, want only %s", stage, c, from)
				}
			}
		}
		return nil
	}
}

// TestAccModuleExample applies examples/modules/root, which instantiates
// examples/modules/service with for_each, against the real server: two
// services, then a third added and one changed, then one removed. Each plan
// names exactly what is created, updated or destroyed, the other instances'
// objects plan nothing, and each apply ends with an empty plan.
//
// Not parallel: the example declares the provider's real source address
// (superplane/superplane), so the in-process provider must be registered
// under the superplane namespace, which the framework reads from the
// process environment.
func TestAccModuleExample(t *testing.T) {
	t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "superplane")
	cfg := config.StaticDirectory(moduleRootDir(t))
	canvas := randName("acc-mod-canvas")
	tokens := map[string]string{"api": writeOnlyValue(), "web": writeOnlyValue(), "worker": writeOnlyValue()}
	allTokens := []string{tokens["api"], tokens["web"], tokens["worker"]}

	two := map[string]moduleService{
		"api": {description: "The public API", deployURL: "https://deploy.example.com/api"},
		"web": {description: "The web front end", branch: "release", deployURL: "https://deploy.example.com/web"},
	}
	three := map[string]moduleService{
		"api":    {description: "The public API, v2", branch: "trunk", deployURL: "https://deploy.example.com/api"},
		"web":    two["web"],
		"worker": {description: "Background jobs", deployURL: "https://deploy.example.com/worker"},
	}
	last := map[string]moduleService{"api": three["api"], "worker": three["worker"]}

	apiBuild := `module.service["api"].superplane_stage.build`
	tfresource.Test(t, tfresource.TestCase{
		PreCheck: func() { accPreCheck(t) },
		Steps: []tfresource.TestStep{
			{
				// Factories per step: only then does the framework run
				// terraform init with the step's configuration, which
				// installs the module.
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          cfg,
				ConfigVariables:          moduleVariables(canvas, two, tokens),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: append(expectServiceActions(plancheck.ResourceActionCreate, "api", "web"),
						plancheck.ExpectResourceAction("superplane_canvas.platform", plancheck.ResourceActionCreate)),
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					checkStageDescription(canvas, "api-build", "Builds api. The public API"),
					statecheck.ExpectKnownOutputValue("stages", knownvalue.MapExact(map[string]knownvalue.Check{
						"api": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("api-build"), knownvalue.StringExact("api-deploy")}),
						"web": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("web-build"), knownvalue.StringExact("web-deploy")}),
					})),
					checkServiceChains(canvas, "api", "web"),
					stateCheckFunc(func() error {
						return checkServerSecret(api.DomainTypeCanvas, canvas, "api-secrets", 1, "deploy_token")(nil)
					}),
					stateCheckFunc(func() error { return checkStateFilesLackValues(allTokens...) }),
				},
			},
			// A service added and one changed (description and branch):
			// the new one's objects are created, the changed one's
			// updated in place, the untouched one's left alone.
			{
				// Factories per step: only then does the framework run
				// terraform init with the step's configuration, which
				// installs the module.
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          cfg,
				ConfigVariables:          moduleVariables(canvas, three, tokens),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: slices.Concat(
						expectServiceActions(plancheck.ResourceActionCreate, "worker"),
						expectServiceActions(plancheck.ResourceActionNoop, "web"),
						[]plancheck.PlanCheck{
							plancheck.ExpectResourceAction(apiBuild, plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction(`module.service["api"].superplane_stage.deploy`, plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction(`module.service["api"].superplane_event_source.push`, plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction(`module.service["api"].superplane_secret.this`, plancheck.ResourceActionNoop),
							plancheck.ExpectResourceAction("superplane_canvas.platform", plancheck.ResourceActionNoop),
						}),
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					checkStageDescription(canvas, "api-build", "Builds api. The public API, v2"),
					checkStageDescription(canvas, "web-build", "Builds web. The web front end"),
					checkServiceChains(canvas, "api", "web", "worker"),
					stateCheckFunc(func() error { return checkStateFilesLackValues(allTokens...) }),
				},
			},
			// A service removed: its objects are destroyed, nothing else
			// changes.
			{
				// Factories per step: only then does the framework run
				// terraform init with the step's configuration, which
				// installs the module.
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          cfg,
				ConfigVariables:          moduleVariables(canvas, last, tokens),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: slices.Concat(
						expectServiceActions(plancheck.ResourceActionDestroy, "web"),
						expectServiceActions(plancheck.ResourceActionNoop, "api", "worker"),
						[]plancheck.PlanCheck{plancheck.ExpectResourceAction("superplane_canvas.platform", plancheck.ResourceActionNoop)}),
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					checkServiceChains(canvas, "api", "worker"),
					stateCheckFunc(func() error { return checkSecretGone(api.DomainTypeCanvas, canvas, "web-secrets")(nil) }),
				},
			},
			// An explicit destroy: the framework's own destroy at the end
			// reads the state through the shim, which refuses modules, and
			// would leave everything behind.
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          cfg,
				ConfigVariables:          moduleVariables(canvas, last, tokens),
				Destroy:                  true,
			},
		},
	})
	if err := checkCanvasesGone(canvas)(nil); err != nil {
		t.Error(err)
	}
}
