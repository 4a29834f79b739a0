package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
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

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

const integrationAddr = "superplane_integration.test"

// integrationCfg describes one superplane_integration block. String fields
// holding HCL expressions say so; "" leaves an optional argument out.
type integrationCfg struct {
	label       string // resource label, "test" when empty
	canvas      string // HCL expression
	name        string
	description string
	typ, url    string
	secret      string // HCL expression for auth.token.secret
	key         string
	scope       string
	verify      string // "true" or "false"
	dependsOn   string // HCL expression list, e.g. [superplane_secret.token]
}

func (c integrationCfg) String() string {
	label := c.label
	if label == "" {
		label = "test"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"superplane_integration\" %q {\n", label)
	if c.canvas != "" {
		fmt.Fprintf(&b, "  canvas = %s\n", c.canvas)
	}
	fmt.Fprintf(&b, "  name = %q\n", c.name)
	if c.description != "" {
		fmt.Fprintf(&b, "  description = %q\n", c.description)
	}
	fmt.Fprintf(&b, "  type = %q\n  url = %q\n", c.typ, c.url)
	if c.verify != "" {
		fmt.Fprintf(&b, "  verify = %s\n", c.verify)
	}
	b.WriteString("  auth {\n    token {\n")
	fmt.Fprintf(&b, "      secret = %s\n      key = %q\n", c.secret, c.key)
	if c.scope != "" {
		fmt.Fprintf(&b, "      scope = %q\n", c.scope)
	}
	b.WriteString("    }\n  }\n")
	if c.dependsOn != "" {
		fmt.Fprintf(&b, "  depends_on = %s\n", c.dependsOn)
	}
	b.WriteString("}\n")
	return b.String()
}

// tokenSecretConfig is a superplane_secret called name holding token under
// key "token" as a write-only value, so the token never reaches the state.
func tokenSecretConfig(label, canvas, name, token string, version int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"superplane_secret\" %q {\n", label)
	if canvas != "" {
		fmt.Fprintf(&b, "  canvas = %s\n", canvas)
	}
	fmt.Fprintf(&b, "  name = %q\n  data_wo = { token = %q }\n  data_wo_version = %d\n}\n", name, token, version)
	return b.String()
}

// checkServerIntegration checks the server's copy of an integration.
func checkServerIntegration(domainType, domainID, name string, check func(*api.Integration) error) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		in, err := acc.client.GetIntegration(context.Background(), domainType, domainID, name)
		if err != nil {
			return err
		}
		return check(in)
	}
}

// serverStatus checks the state of an integration's status on the server.
func serverStatus(state, reasonPart string) func(*api.Integration) error {
	return func(in *api.Integration) error {
		st := in.Status
		if st == nil || st.State != state || !strings.Contains(st.Reason, reasonPart) {
			return fmt.Errorf("server status = %+v, want %s mentioning %q", st, state, reasonPart)
		}
		return nil
	}
}

// checkIntegrationGone checks that the server no longer has the integration.
func checkIntegrationGone(domainType, domainID, name string) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := acc.client.GetIntegration(context.Background(), domainType, domainID, name)
		if err == nil {
			return fmt.Errorf("integration %s still exists", name)
		}
		if !client.IsNotFound(err) {
			return err
		}
		return nil
	}
}

// statusPath is the path of a field of status.
func statusPath(field string) tfjsonpath.Path {
	return tfjsonpath.New("status").AtMapKey(field)
}

// scopePath is the path of auth.token.scope.
var scopePath = tfjsonpath.New("auth").AtMapKey("token").AtMapKey("scope")

// statusOK are the state checks of a successful verification.
func statusOK(addr string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
		statecheck.ExpectKnownValue(addr, statusPath("reason"), knownvalue.StringExact("ok")),
		statecheck.ExpectKnownValue(addr, statusPath("checked_at"), knownvalue.StringRegexp(rfc3339)),
	}
}

// wordsRegexp matches text that Terraform may have wrapped: any space may
// be a newline.
func wordsRegexp(s string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(s, " ", `\s+`))
}

func TestAccIntegrationResource(t *testing.T) {
	t.Run("GitHubOrganization", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-int")
		renamed := name + "-renamed"
		secretName := randName("acc-int-token")
		tok := newToolToken()
		org := api.DomainTypeOrganization
		secret := tokenSecretConfig("token", "", secretName, tok, 1)
		base := integrationCfg{name: name, typ: "github", url: fakeGitHubURL, secret: "superplane_secret.token.name", key: "token"}
		renamedCfg := base
		renamedCfg.name, renamedCfg.description, renamedCfg.url = renamed, "deploys", fakeGitHubURL+"/"
		semaphoreCfg := renamedCfg
		semaphoreCfg.typ, semaphoreCfg.url = "semaphore", fakeSemaphoreURL
		sameID := statecheck.CompareValue(compare.ValuesSame())
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: tfresource.ComposeTestCheckFunc(
				checkIntegrationGone(org, "", name), checkIntegrationGone(org, "", renamed), checkSecretGone(org, "", secretName)),
			Steps: []tfresource.TestStep{
				{
					Config: secret + base.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionCreate),
							plancheck.ExpectKnownValue(integrationAddr, scopePath, knownvalue.StringExact("organization")),
							plancheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("verify"), knownvalue.Bool(true)),
							plancheck.ExpectUnknownValue(integrationAddr, tfjsonpath.New("status")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(statusOK(integrationAddr),
						stateValue(integrationAddr, "id", knownvalue.StringRegexp(uuidPattern)),
						stateValue(integrationAddr, "created_at", knownvalue.StringRegexp(rfc3339)),
						stateValue(integrationAddr, "canvas", knownvalue.Null()),
						stateValue(integrationAddr, "description", knownvalue.StringExact("")),
						stateValue(integrationAddr, "url", knownvalue.StringExact(fakeGitHubURL)),
						statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("auth"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"token": knownvalue.ObjectExact(map[string]knownvalue.Check{
								"secret": knownvalue.StringExact(secretName),
								"key":    knownvalue.StringExact("token"),
								"scope":  knownvalue.StringExact("organization"),
							}),
						})),
						sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
					),
					Check: tfresource.ComposeTestCheckFunc(
						checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateOK, "ok")),
						checkNoWriteOnlyValues("superplane_secret.token", tok)),
				},
				{
					ResourceName:      integrationAddr,
					ImportState:       true,
					ImportStateId:     "organization/" + name,
					ImportStateVerify: true,
				},
				{
					ResourceName:  integrationAddr,
					ImportState:   true,
					ImportStateId: "integration/" + name,
					ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*expected "organization/<integration name>" or`),
				},
				// Rename, new description and a URL written with a trailing
				// slash (which the server drops): all in place, verified
				// again.
				{
					Config: secret + renamedCfg.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(integrationAddr, tfjsonpath.New("status")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(statusOK(integrationAddr),
						stateValue(integrationAddr, "name", knownvalue.StringExact(renamed)),
						stateValue(integrationAddr, "description", knownvalue.StringExact("deploys")),
						stateValue(integrationAddr, "url", knownvalue.StringExact(fakeGitHubURL+"/")),
						sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
					),
					Check: tfresource.ComposeTestCheckFunc(
						checkServerIntegration(org, "", renamed, func(in *api.Integration) error {
							if in.Metadata.Description != "deploys" || in.Spec.URL != fakeGitHubURL {
								return fmt.Errorf("server has description %q, url %q", in.Metadata.Description, in.Spec.URL)
							}
							return nil
						}),
						checkIntegrationGone(org, "", name)),
				},
				// Another tool replaces the integration.
				{
					Config: secret + semaphoreCfg.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionDestroyBeforeCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(statusOK(integrationAddr),
						stateValue(integrationAddr, "type", knownvalue.StringExact("semaphore")),
						stateValue(integrationAddr, "url", knownvalue.StringExact(fakeSemaphoreURL)),
					),
					Check: checkServerIntegration(org, "", renamed, func(in *api.Integration) error {
						if in.Spec.Type != "semaphore" {
							return fmt.Errorf("server type = %q", in.Spec.Type)
						}
						return nil
					}),
				},
			},
		})
	})

	t.Run("SemaphoreCanvas", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-int-canvas")
		name := randName("acc-int-sem")
		other := randName("acc-int-gh")
		semSecret, ghSecret := randName("acc-sem-token"), randName("acc-gh-token")
		semTok, ghTok := newToolToken(), newToolToken()
		cv := api.DomainTypeCanvas
		config := fmt.Sprintf("resource \"superplane_canvas\" \"test\" {\n  name = %q\n}\n", canvas) +
			tokenSecretConfig("sem", "superplane_canvas.test.name", semSecret, semTok, 1) +
			tokenSecretConfig("gh", "", ghSecret, ghTok, 1) +
			// A canvas secret: scope defaults to the canvas.
			integrationCfg{canvas: "superplane_canvas.test.name", name: name, typ: "semaphore", url: fakeSemaphoreURL,
				secret: "superplane_secret.sem.name", key: "token"}.String() +
			// An organization secret used by a canvas integration.
			integrationCfg{label: "org_secret", canvas: "superplane_canvas.test.name", name: other, typ: "github",
				url: fakeGitHubURL, secret: "superplane_secret.gh.name", key: "token", scope: "organization"}.String()
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: tfresource.ComposeTestCheckFunc(
				checkCanvasesGone(canvas), checkIntegrationGone(cv, canvas, name), checkIntegrationGone(cv, canvas, other)),
			Steps: []tfresource.TestStep{
				{
					Config: config,
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectKnownValue(integrationAddr, scopePath, knownvalue.StringExact("canvas")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(append(statusOK(integrationAddr), statusOK("superplane_integration.org_secret")...),
						stateValue(integrationAddr, "canvas", knownvalue.StringExact(canvas)),
						statecheck.ExpectKnownValue(integrationAddr, scopePath, knownvalue.StringExact("canvas")),
						statecheck.ExpectKnownValue("superplane_integration.org_secret", scopePath, knownvalue.StringExact("organization")),
					),
					Check: tfresource.ComposeTestCheckFunc(
						checkServerIntegration(cv, canvas, name, func(in *api.Integration) error {
							ref := client.IntegrationSecret(in)
							if ref.DomainType != api.DomainTypeCanvas || ref.Name != semSecret || in.Metadata.DomainType != cv {
								return fmt.Errorf("server: domain %s, secret %+v", in.Metadata.DomainType, ref)
							}
							return nil
						}),
						checkServerIntegration(cv, canvas, other, func(in *api.Integration) error {
							if ref := client.IntegrationSecret(in); ref.DomainType != api.DomainTypeOrganization {
								return fmt.Errorf("server secret %+v, want an organization secret", ref)
							}
							return nil
						}),
						// A canvas integration is not an organization one.
						checkIntegrationGone(api.DomainTypeOrganization, "", name),
						checkNoWriteOnlyValues("superplane_secret.sem", semTok, ghTok)),
				},
				{
					ResourceName:      integrationAddr,
					ImportState:       true,
					ImportStateId:     "canvas/" + canvas + "/" + name,
					ImportStateVerify: true,
				},
				{
					ResourceName:      "superplane_integration.org_secret",
					ImportState:       true,
					ImportStateId:     "canvas/" + canvas + "/" + other,
					ImportStateVerify: true,
				},
			},
		})
	})

	t.Run("VerificationFails", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-int-bad")
		secretName := randName("acc-int-token")
		bad := unknownToolToken()
		org := api.DomainTypeOrganization
		secret := tokenSecretConfig("token", "", secretName, bad, 1)
		cfg := integrationCfg{name: name, typ: "github", url: fakeGitHubURL, secret: "superplane_secret.token.name", key: "token"}
		lenient := cfg
		lenient.verify = "false"
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
			Steps: []tfresource.TestStep{
				// GitHub's own words reach the user, and the integration the
				// server stored is deleted again.
				{
					Config:      secret + cfg.String(),
					ExpectError: wordsRegexp(`Integration credentials failed verification.*Bad credentials.*deleted again, so nothing is left behind`),
				},
				{
					Config: secret,
					Check: tfresource.ComposeTestCheckFunc(
						checkIntegrationGone(org, "", name),
						func(*terraform.State) error {
							list, err := acc.client.ListIntegrations(context.Background(), org, "")
							if err != nil {
								return err
							}
							for _, in := range list {
								if in.Metadata.Name == name {
									return fmt.Errorf("integration %s left on the server", name)
								}
							}
							return nil
						}),
				},
				// With verify = false the integration is kept and the status
				// says what is wrong; nothing is planned afterwards.
				{
					Config: secret + lenient.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateFailed)),
						statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"), knownvalue.StringRegexp(regexp.MustCompile(`Bad credentials`))),
					},
					Check: checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateFailed, "Bad credentials")),
				},
				// Turning verify on makes the apply fail until the token works.
				{
					Config: secret + cfg.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(integrationAddr, tfjsonpath.New("status")),
						},
					},
					ExpectError: wordsRegexp(`Integration credentials failed verification.*Bad credentials`),
				},
			},
		})
	})

	t.Run("TokenRotation", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-int-rot")
		secretName := randName("acc-int-token")
		good1, bad, good2, bad2 := newToolToken(), unknownToolToken(), newToolToken(), unknownToolToken()
		org := api.DomainTypeOrganization
		strict := integrationCfg{name: name, typ: "github", url: fakeGitHubURL, secret: "superplane_secret.token.name", key: "token"}
		lenient := strict
		lenient.verify = "false"
		config := func(tok string, version int64, c integrationCfg) string {
			return tokenSecretConfig("token", "", secretName, tok, version) + c.String()
		}
		checkedAt := statecheck.CompareValue(compare.ValuesDiffer())
		stateStatus := func(state, reason string) tfresource.TestCheckFunc {
			return tfresource.ComposeTestCheckFunc(
				tfresource.TestCheckResourceAttr(integrationAddr, "status.state", state),
				tfresource.TestMatchResourceAttr(integrationAddr, "status.reason", regexp.MustCompile(reason)))
		}
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkIntegrationGone(org, "", name),
			Steps: []tfresource.TestStep{
				{
					Config:            config(good1, 1, strict),
					ConfigStateChecks: append(statusOK(integrationAddr), checkedAt.AddStateValue(integrationAddr, statusPath("checked_at"))),
				},
				// The token is rotated to a bad one through the secret. The
				// server verifies again; with verify = true, the next plan
				// wants to verify once more (and fail).
				{
					Config: config(bad, 2, strict),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("superplane_secret.token", plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionNoop),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(integrationAddr, tfjsonpath.New("status")),
						},
					},
					ExpectNonEmptyPlan: true,
					Check:              checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateFailed, "Bad credentials")),
				},
				// A refresh shows the failure in the state without failing.
				{
					RefreshState:       true,
					ExpectNonEmptyPlan: true,
					Check:              stateStatus(api.IntegrationStateFailed, "Bad credentials"),
				},
				{
					Config:      config(bad, 2, strict),
					ExpectError: wordsRegexp(`Integration credentials failed verification.*Bad credentials`),
				},
				// A good token again: the secret is written first, then the
				// integration verified, and the plan is empty.
				{
					Config: config(good2, 3, strict),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(statusOK(integrationAddr), checkedAt.AddStateValue(integrationAddr, statusPath("checked_at"))),
				},
				// With verify = false a bad token only shows in status, on
				// the next refresh, and plans nothing.
				{
					Config: config(bad2, 4, lenient),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateFailed, "Bad credentials")),
				},
				{
					RefreshState: true,
					Check:        stateStatus(api.IntegrationStateFailed, "Bad credentials"),
				},
				{
					Config: config(good2, 5, lenient),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				},
				{
					RefreshState: true,
					Check:        stateStatus(api.IntegrationStateOK, "^ok$"),
				},
			},
		})
	})

	t.Run("SecretInUse", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-int-inuse")
		secretName := randName("acc-int-token")
		tok := newToolToken()
		org := api.DomainTypeOrganization
		// Literal names, so that the secret can leave the configuration
		// while the integration stays.
		cfg := integrationCfg{name: name, typ: "github", url: fakeGitHubURL, secret: fmt.Sprintf("%q", secretName), key: "token"}
		withSecret := cfg
		withSecret.dependsOn = "[superplane_secret.token]"
		full := tokenSecretConfig("token", "", secretName, tok, 1) + withSecret.String()
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
			Steps: []tfresource.TestStep{
				{Config: full, ConfigStateChecks: statusOK(integrationAddr)},
				{
					Config:      cfg.String(),
					ExpectError: wordsRegexp(fmt.Sprintf(`Error deleting secret.*409.*used by integration "?%s`, regexp.QuoteMeta(name))),
				},
				{
					Config: full,
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateOK, "ok")),
				},
			},
		})
	})

	t.Run("DeletedOutsideTerraform", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-int")
		secretName := randName("acc-int-token")
		tok := newToolToken()
		org := api.DomainTypeOrganization
		cfg := tokenSecretConfig("token", "", secretName, tok, 1) +
			integrationCfg{name: name, typ: "github", url: fakeGitHubURL, secret: "superplane_secret.token.name", key: "token"}.String()
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkIntegrationGone(org, "", name),
			Steps: []tfresource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() {
						if err := acc.client.DeleteIntegration(accContext(t), org, "", name); err != nil {
							t.Fatalf("deleting the integration outside Terraform: %v", err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateOK, "ok")),
				},
			},
		})
	})

	t.Run("InvalidConfig", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-int")
		ok := integrationCfg{name: name, typ: "github", url: fakeGitHubURL, secret: `"gh"`, key: "token"}
		with := func(f func(c *integrationCfg)) string {
			c := ok
			f(&c)
			return c.String()
		}
		step := func(config, want string) tfresource.TestStep {
			return tfresource.TestStep{Config: config, PlanOnly: true, ExpectError: wordsRegexp(want)}
		}
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				step(with(func(c *integrationCfg) { c.typ = "nope" }),
					// The whole list is pinned by internal/api's TestValidateIntegrationType.
					`Invalid integration type.*type = "nope".*type: unsupported integration type "nope": expected "github", "semaphore", "gitlab", `),
				step(with(func(c *integrationCfg) { c.typ = "semaphore" }),
					`Invalid integration URL.*url = "https://github.com/acme".*url has host "github.com", which is not a Semaphore organization`),
				step(with(func(c *integrationCfg) { c.url = "https://github.com/acme/app" }),
					`Invalid integration URL.*url has a path after the owner`),
				step(with(func(c *integrationCfg) { c.url = "http://github.com/acme" }),
					`Invalid integration URL.*url must use https`),
				step(with(func(c *integrationCfg) { c.url = "https://acme.semaphoreci.com" }),
					`Invalid integration URL.*url is a Semaphore URL, not a GitHub one`),
				step(with(func(c *integrationCfg) { c.scope = "canvas" }),
					`Canvas secret for an organization integration.*scope = "canvas"`),
				step(with(func(c *integrationCfg) { c.scope = "project" }),
					`Attribute auth.token.scope value must be one of`),
				step(with(func(c *integrationCfg) { c.name = "bad/name" }),
					`Attribute name may contain only letters, digits`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"github\"\n  url = %q\n}\n", name, fakeGitHubURL),
					`Missing auth.*The auth block with its token block is required`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"aws\"\n}\n", name),
					`Missing aws block.*An aws integration needs the aws block`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"gcp\"\n}\n", name),
					`Missing gcp block.*A gcp integration needs the gcp block`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"gcp\"\n  gcp {\n    project_id = \"acme-prod\"\n    workload_identity {\n      audience = \"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/providers/x\"\n    }\n  }\n}\n", name),
					`Invalid gcp settings.*gcp.workload_identity.audience .* is not a workload identity provider`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"gcp\"\n  gcp {\n    project_id = \"Acme_Prod\"\n    service_account_key {\n      secret = \"gcp\"\n      key    = \"key.json\"\n    }\n  }\n}\n", name),
					`Invalid gcp settings.*gcp.project_id "Acme_Prod" is not a project id`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"mongodb_atlas\"\n}\n", name),
					`Missing mongodb_atlas block.*A mongodb_atlas integration needs the mongodb_atlas block`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"mongodb_atlas\"\n  mongodb_atlas {\n    organization_id = \"acme\"\n    api_key {\n      public_key = \"qwertyui\"\n      secret     = \"atlas\"\n      key        = \"private-key\"\n    }\n  }\n}\n", name),
					`Invalid mongodb_atlas settings.*mongodb_atlas.organization_id "acme" is not an Atlas organization id`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"mongodb_atlas\"\n  mongodb_atlas {\n    organization_id = \"5f0a1b2c3d4e5f6a7b8c9d0e\"\n  }\n}\n", name),
					`Invalid mongodb_atlas settings.*mongodb_atlas: set api_key`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"aws\"\n  url = %q\n  aws {\n    region = \"eu-west-1\"\n    web_identity {\n      role_arn = \"arn:aws:iam::123456789012:role/x\"\n    }\n  }\n}\n", name, fakeGitHubURL),
					`Invalid integration URL.*url must be empty for an aws integration`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"aws\"\n  aws {\n    region = \"eu-west-1\"\n    web_identity {\n      role_arn = \"arn:aws:iam::123:user/x\"\n    }\n  }\n}\n", name),
					`Invalid aws settings.*aws.web_identity.role_arn "arn:aws:iam::123:user/x" is not an IAM role ARN`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"aws\"\n  aws {\n    region = \"eu-west-1\"\n    web_identity {\n      role_arn = \"arn:aws:iam::123456789012:role/x\"\n    }\n    assume_role {\n      role_arn = \"arn:aws:iam::123456789012:role/y\"\n      session_duration = 7200\n    }\n  }\n}\n", name),
					`Invalid aws settings.*aws.assume_role.session_duration 7200 is out of range`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"azure\"\n}\n", name),
					`Missing azure block.*An azure integration needs the azure block`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"azure\"\n  azure {\n    tenant_id = \"contoso.onmicrosoft.com\"\n    client_id = \"app\"\n    subscription_id = \"11111111-2222-3333-4444-555555555555\"\n    federated {}\n  }\n}\n", name),
					`Invalid azure settings.*azure.client_id "app" is not a GUID`),
				step(fmt.Sprintf("resource \"superplane_integration\" \"test\" {\n  name = %q\n  type = \"github\"\n  url = %q\n  auth {\n    token {\n      secret = \"gh\"\n      key = \"token\"\n    }\n  }\n  azure {\n    federated {}\n  }\n}\n", name, fakeGitHubURL),
					`azure block on a non-azure integration`),
			},
		})
	})
}

// TestAccIntegrationResourceTraceLog creates an integration and rotates its
// token with TF_LOG=TRACE written to a file, which the leak check then scans
// for the tokens. It sets environment variables, so it does not run in
// parallel.
func TestAccIntegrationResourceTraceLog(t *testing.T) {
	if acc.root == "" {
		t.Skip("needs TF_ACC=1")
	}
	logPath := fmt.Sprintf("%s/trace-integration-%s.log", acc.root, randomSuffix())
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_LOG", "TRACE")
	// The test framework's own lines quote each step's configuration.
	t.Setenv("TF_LOG_SDK_HELPER_RESOURCE", "OFF")
	acc.mu.Lock()
	acc.traceLogs = append(acc.traceLogs, logPath)
	acc.mu.Unlock()

	name := randName("acc-int-trace")
	secretName := randName("acc-int-trace-token")
	tok1, tok2 := newToolToken(), newToolToken()
	config := func(tok string, version int64) string {
		return tokenSecretConfig("token", "", secretName, tok, version) +
			integrationCfg{name: name, typ: "github", url: fakeGitHubURL, secret: "superplane_secret.token.name", key: "token"}.String()
	}
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{Config: config(tok1, 1), ConfigStateChecks: statusOK(integrationAddr)},
			{Config: config(tok2, 2), Check: checkNoWriteOnlyValues("superplane_secret.token", tok1, tok2)},
			{RefreshState: true, Check: tfresource.TestCheckResourceAttr(integrationAddr, "status.state", "ok")},
		},
	})
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("trace log: %v", err)
	}
	for _, want := range []string{"[TRACE] sdk.framework:", "superplane_integration"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace log %s has no %q lines", logPath, want)
		}
	}
}
