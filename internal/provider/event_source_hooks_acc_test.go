package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

func testAccEventSourceGitHub(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-gh")
	integration, secret := randName("acc-es-int"), randName("acc-es-token")
	repo := newFakeRepo("acc-es")
	tok := newToolToken()
	prereq := canvasConfig(canvas) + githubConfig(integration, secret, tok, 1, "true")
	cfg := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "github",
		integration: "superplane_integration.gh.name", resource: fmt.Sprintf("name = %q", repo),
		events: []eventCfg{{typ: "push", data: []string{"$.ref == 'refs/heads/main'"}}, {typ: "pull_request"}}}
	pushOnly := cfg
	pushOnly.events = cfg.events[:1]
	rotated := pushOnly
	rotated.keyVersion = 2
	described := rotated
	described.description = "pushes of the app"
	var requestsBefore int

	var hookID int64
	var secrets []string
	sameID := statecheck.CompareValue(compare.ValuesSame())
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroying the source removed its hook from GitHub.
		CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas),
			checkHooks(repo, func(h []github.Hook) error {
				if len(h) != 0 {
					return fmt.Errorf("%d hooks left on GitHub after destroy: %+v", len(h), h)
				}
				return nil
			})),
		Steps: []tfresource.TestStep{
			{
				Config: prereq + cfg.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("resource").AtMapKey("type"), knownvalue.StringExact("repository")),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(1)),
					stateValue(sourceAddr, "integration", knownvalue.StringExact(integration)),
					statecheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("resource"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"type": knownvalue.StringExact("repository"), "name": knownvalue.StringExact(repo),
					})),
					stateValue(sourceAddr, "webhook_url", knownvalue.StringRegexp(regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/github$`))),
					statecheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.StringExact("ready")),
					statecheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_reason"), knownvalue.StringExact("ok")),
					statecheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.StringRegexp(rfc3339)),
					sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
				},
				Check: tfresource.ComposeTestCheckFunc(
					oneHook(repo, sourceAddr, "pull_request", "push"),
					checkHooks(repo, func(h []github.Hook) error {
						hookID, secrets = h[0].ID, append(secrets, h[0].Secret)
						return nil
					}),
					checkNoWriteOnlyValues("superplane_secret.gh", tok)),
			},
			// checked_at is when SuperPlane last looked at the hook, which
			// the import's own refresh does again.
			{
				ResourceName:            sourceAddr,
				ImportState:             true,
				ImportStateId:           canvas + "/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"key", "status.checked_at"},
			},
			// The hook deleted on GitHub: a refresh only looks (status says
			// it is missing, nothing is made on GitHub) ...
			{
				PreConfig: func() {
					if !acc.github.RemoveHook(fakeGitHubOwner, repo, hookID) {
						t.Fatalf("hook %d was not on the fake GitHub", hookID)
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: tfresource.ComposeTestCheckFunc(
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_observed", "missing"),
					tfresource.TestMatchResourceAttr(sourceAddr, "status.webhook_observed_reason", regexp.MustCompile(`no webhook of GitHub repository`)),
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_state", "ready"),
					noHooks(repo)),
			},
			// ... the plan shows an update, still without touching GitHub,
			// and the apply repairs the hook; the next plan is empty.
			{
				Config: prereq + cfg.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(sourceAddr, tfjsonpath.New("status")),
						planCheckFunc(func() error { return noHooks(repo)(nil) }),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(sourceAddr, tfjsonpath.New("id"))},
				Check: tfresource.ComposeTestCheckFunc(
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_state", "repaired"),
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_observed", "ok"),
					tfresource.TestMatchResourceAttr(sourceAddr, "status.webhook_reason", regexp.MustCompile(`missing or altered on github and was repaired`)),
					oneHook(repo, sourceAddr, "pull_request", "push"),
					checkHooks(repo, func(h []github.Hook) error {
						if h[0].ID == hookID {
							return fmt.Errorf("hook %d is the deleted one", hookID)
						}
						secrets = append(secrets, h[0].Secret)
						return nil
					})),
			},
			{
				Config: prereq + cfg.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			// Fewer events: the hook is edited in place, still one.
			{
				Config: prereq + pushOnly.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(sourceAddr, tfjsonpath.New("id"))},
				Check:             oneHook(repo, sourceAddr, "push"),
			},
			// A new key_version gives the hook a new secret; the key stays
			// out of the state.
			{
				Config: prereq + rotated.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(2)),
				},
				Check: tfresource.ComposeTestCheckFunc(
					oneHook(repo, sourceAddr, "push"),
					checkHooks(repo, func(h []github.Hook) error {
						if slices.Contains(secrets, h[0].Secret) {
							return fmt.Errorf("the hook's secret did not change with the key")
						}
						return nil
					}),
					func(*terraform.State) error {
						return checkStateFilesLackValues(append(secrets, acc.github.Hooks(fakeGitHubOwner, repo)[0].Secret)...)
					}),
			},
			// Quiet plan: a new description leaves the hook alone, so
			// status (webhook_state, checked_at) is known in the plan
			// and the apply makes no request to GitHub.
			{
				PreConfig: func() { requestsBefore = len(acc.github.Requests()) },
				Config:    prereq + described.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("description"), knownvalue.StringExact("pushes of the app")),
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.StringRegexp(regexp.MustCompile(`^(ready|repaired)$`))),
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.StringRegexp(rfc3339)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: tfresource.ComposeTestCheckFunc(
					oneHook(repo, sourceAddr, "push"),
					func(*terraform.State) error {
						// Other tests share the fake: only this repository's requests count.
						for _, r := range acc.github.Requests()[requestsBefore:] {
							if strings.Contains(r, "/"+repo+"/") && !strings.HasPrefix(r, "GET ") {
								return fmt.Errorf("a description change made a request to GitHub that is not a read: %s", r)
							}
						}
						return nil
					}),
			},
		},
	})
}

func testAccEventSourceSemaphore(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-sem")
	integration, secret := randName("acc-es-int"), randName("acc-es-token")
	project := "acc-es-" + randomSuffix()
	if acc.semaphore != nil {
		acc.semaphore.AddProject(project)
	}
	tok := newToolToken()
	config := canvasConfig(canvas) + tokenSecretConfig("sem", "", secret, tok, 1) +
		integrationCfg{label: "sem", name: integration, typ: "semaphore", url: fakeSemaphoreURL,
			secret: "superplane_secret.sem.name", key: "token"}.String() +
		eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "semaphore",
			integration: "superplane_integration.sem.name", resource: fmt.Sprintf("name = %q", project)}.String()
	// ours returns the notifications that deliver to the source.
	ours := func(url string) []semaphore.Notification {
		var out []semaphore.Notification
		for _, n := range acc.semaphore.Notifications() {
			if n.Endpoint == url {
				out = append(out, n)
			}
		}
		return out
	}
	var url string
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas), func(*terraform.State) error {
			if n := ours(url); len(n) != 0 {
				return fmt.Errorf("%d notifications left on Semaphore after destroy", len(n))
			}
			return nil
		}),
		Steps: []tfresource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("resource").AtMapKey("type"), knownvalue.StringExact("project")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "webhook_url", knownvalue.StringRegexp(regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/semaphore$`))),
					statecheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.StringExact("ready")),
				},
				Check: func(s *terraform.State) error {
					a, err := attrs(s, sourceAddr)
					if err != nil {
						return err
					}
					url = a["webhook_url"]
					n := ours(url)
					if len(n) != 1 || !slices.Equal(n[0].Projects, []string{project}) || n[0].SecretName == "" {
						return fmt.Errorf("notifications delivering to %s: %+v", url, n)
					}
					key, ok := acc.semaphore.SecretValue(n[0].SecretName, "WEBHOOK_SECRET")
					if !ok || !keyPattern.MatchString(key) {
						return fmt.Errorf("the notification's secret %s holds no signing key", n[0].SecretName)
					}
					recordHookSecret(key)
					return nil
				},
			},
			{
				ResourceName:            sourceAddr,
				ImportState:             true,
				ImportStateId:           canvas + "/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"key", "status.checked_at"},
			},
		},
	})
}

func testAccEventSourceHookCannotBeRemoved(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-gh")
	integration, secret := randName("acc-es-int"), randName("acc-es-token")
	repo := newFakeRepo("acc-es-stuck")
	good, bad := newToolToken(), unknownToolToken()
	t.Cleanup(func() {
		if acc.github == nil {
			return
		}
		for _, h := range acc.github.Hooks(fakeGitHubOwner, repo) {
			acc.github.RemoveHook(fakeGitHubOwner, repo, h.ID)
		}
	})
	source := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "github",
		integration: "superplane_integration.gh.name", resource: fmt.Sprintf("name = %q", repo)}
	forced := source
	forced.forceDestroy = "true"
	// verify = false keeps the integration while its token is bad.
	withBad := canvasConfig(canvas) + githubConfig(integration, secret, bad, 2, "false")
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []tfresource.TestStep{
			{
				Config: canvasConfig(canvas) + githubConfig(integration, secret, good, 1, "false") + source.String(),
				Check:  oneHook(repo, sourceAddr, "push"),
			},
			// The token goes bad: the next refresh shows that the check
			// failed (and plans nothing: an apply cannot fix a token).
			{Config: withBad + source.String()},
			{
				RefreshState: true,
				Check: tfresource.ComposeTestCheckFunc(
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_observed", "failed"),
					tfresource.TestMatchResourceAttr(sourceAddr, "status.webhook_observed_reason", regexp.MustCompile(`Bad credentials`))),
			},
			// SuperPlane cannot remove the hook, so it keeps the source.
			{
				Config:      withBad,
				ExpectError: wordsRegexp(`Error deleting event source.*Bad credentials.*force_destroy = true`),
			},
			// force_destroy alone touches nothing on the server ...
			{
				Config: withBad + forced.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_observed"), knownvalue.StringExact("failed")),
					},
				},
			},
			// ... and lets the source go, leaving the hook on GitHub.
			{
				Config: withBad,
				Check: tfresource.ComposeTestCheckFunc(
					checkSourceGone(canvas, name),
					checkHooks(repo, func(h []github.Hook) error {
						if len(h) != 1 {
							return fmt.Errorf("%d hooks on GitHub, want the 1 force_destroy left behind", len(h))
						}
						return nil
					})),
			},
		},
	})
}
