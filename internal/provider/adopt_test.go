package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestAccAdoptOrphans plays the apply that was killed after SuperPlane
// created its objects and before Terraform recorded them: the objects exist,
// created by the provider's user, and no state has them. The next apply
// adopts them (same ids, updated to the configuration, a warning), and the
// plan after it is empty. What another user made, and a second resource of
// the same configuration with a name already used, still fail with the name
// taken.
func TestAccAdoptOrphans(t *testing.T) {
	t.Parallel()
	canvas, secret, source, stage := randName("acc-adopt"), randName("acc-adopt-secret"), randName("acc-adopt-src"), randName("acc-adopt-stage")
	theirs, dup := randName("acc-adopt-theirs"), randName("acc-adopt-dup")
	orphanValue, value := secretValue(), writeOnlyValue()
	ids := map[string]string{}

	cfg := canvasConfig(canvas) +
		testAccSecretConfig("", secretCfg{canvas: "superplane_canvas.test.name", name: secret,
			dataWO: map[string]string{"token": value}, woVersion: 1}) +
		eventSourceCfg{canvas: "superplane_canvas.test.name", name: source, typ: "webhook",
			events: []eventCfg{{typ: "webhook"}}}.String() +
		fmt.Sprintf(`resource "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = %q
  connect {
    type = "event_source"
    name = superplane_event_source.test.name
  }
  noop {}
}
`, stage)
	sameAs := func(kind string) knownvalue.Check {
		return knownvalue.StringFunc(func(v string) error {
			if v == "" || v != ids[kind] {
				return fmt.Errorf("id %q, want the orphan's %q", v, ids[kind])
			}
			return nil
		})
	}
	extra := func(label, name string) string {
		return fmt.Sprintf("resource \"superplane_secret\" %q {\n  canvas = superplane_canvas.test.name\n  name = %q\n  data = { k = %q }\n}\n",
			label, name, secretValue())
	}

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			checkSecretGone(api.DomainTypeCanvas, canvas, secret),
			checkSecretGone(api.DomainTypeCanvas, canvas, dup)),
		Steps: []resource.TestStep{
			{
				// The killed apply's work, made with the provider's own token.
				PreConfig: func() {
					ctx := accContext(t)
					cv, err := acc.client.CreateCanvas(ctx, canvas, "half made")
					if err != nil {
						t.Fatal(err)
					}
					s, err := acc.client.CreateSecret(ctx, api.DomainTypeCanvas, cv.Metadata.ID, secret, map[string]string{"old": orphanValue})
					if err != nil {
						t.Fatal(err)
					}
					// Its key is lost with the killed apply, as the orphan's
					// would be; adoption resets it. (Not recorded for the leak
					// check, which expects every recorded key in some state.)
					es, _, err := acc.client.CreateEventSource(ctx, canvas, client.EventSourceParams{Name: source,
						Description: "stale", Spec: api.EventSourceSpec{Type: api.EventSourceTypeWebhook}})
					if err != nil {
						t.Fatal(err)
					}
					st, err := acc.client.CreateStage(ctx, canvas, client.StageParams{Name: stage, Description: "stale",
						Spec: api.StageSpec{
							Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: source}},
							Executor:    &api.Executor{Type: "noop", Spec: map[string]any{}},
						}})
					if err != nil {
						t.Fatal(err)
					}
					ids["canvas"], ids["secret"], ids["source"], ids["stage"] = cv.Metadata.ID, s.Metadata.ID, es.Metadata.ID, st.Metadata.ID
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("id"), sameAs("canvas")),
					statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("id"), sameAs("secret")),
					statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("keys"), keysExact("token")),
					statecheck.ExpectKnownValue(secretAddr, tfjsonpath.New("data_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("superplane_event_source.test", tfjsonpath.New("id"), sameAs("source")),
					statecheck.ExpectKnownValue("superplane_event_source.test", tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue("superplane_event_source.test", tfjsonpath.New("key"), knownvalue.StringRegexp(keyPattern)),
					statecheck.ExpectKnownValue("superplane_stage.test", tfjsonpath.New("id"), sameAs("stage")),
					statecheck.ExpectKnownValue("superplane_stage.test", tfjsonpath.New("description"), knownvalue.StringExact("")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					// The orphan's old data is gone: the adopted secret holds
					// what the configuration says, at a new version.
					s, err := acc.client.GetSecret(accContext(t), api.DomainTypeCanvas, canvas, secret)
					if err != nil {
						return err
					}
					if got := client.SecretKeys(s); len(got) != 1 || got[0] != "token" || s.Metadata.Version < 2 {
						return fmt.Errorf("adopted secret has keys %v at version %d, want [token] at 2 or more", got, s.Metadata.Version)
					}
					return nil
				},
			},
			{
				// Another user's secret of the same name is not ours to take.
				PreConfig: func() {
					if _, err := acc.colleague.CreateSecret(accContext(t), api.DomainTypeCanvas, canvas, theirs,
						map[string]string{"k": secretValue()}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg + extra("theirs", theirs),
				ExpectError: regexp.MustCompile(`(?s)Error creating secret.*409`),
			},
			{
				// Two resources of one configuration with the same name: the
				// second must not adopt what the first just created.
				PreConfig: func() {
					if err := acc.colleague.DeleteSecret(accContext(t), api.DomainTypeCanvas, canvas, theirs); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg + extra("dup_a", dup) + extra("dup_b", dup),
				ExpectError: regexp.MustCompile(`(?s)Error creating secret.*409`),
			},
		},
	})
}
