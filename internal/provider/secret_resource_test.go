package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
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

const secretAddr = "superplane_secret.test"

// secretCfg describes one superplane_secret block.
type secretCfg struct {
	canvas    string // HCL expression for canvas, "" for an organization secret
	name      string
	data      map[string]string
	dataWO    map[string]string
	woVersion int64 // 0 leaves data_wo_version out
}

// hclMap renders a map literal with sorted keys.
func hclMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "    %q = %q\n", k, m[k])
	}
	b.WriteString("  }")
	return b.String()
}

// testAccSecretConfig renders the secret, preceded by a canvas named
// canvasName when that is not empty.
func testAccSecretConfig(canvasName string, s secretCfg) string {
	var b strings.Builder
	if canvasName != "" {
		fmt.Fprintf(&b, "resource \"superplane_canvas\" \"test\" {\n  name = %q\n}\n\n", canvasName)
	}
	b.WriteString("resource \"superplane_secret\" \"test\" {\n")
	if s.canvas != "" {
		fmt.Fprintf(&b, "  canvas = %s\n", s.canvas)
	}
	fmt.Fprintf(&b, "  name = %q\n", s.name)
	if s.data != nil {
		fmt.Fprintf(&b, "  data = %s\n", hclMap(s.data))
	}
	if s.dataWO != nil {
		fmt.Fprintf(&b, "  data_wo = %s\n", hclMap(s.dataWO))
	}
	if s.woVersion != 0 {
		fmt.Fprintf(&b, "  data_wo_version = %d\n", s.woVersion)
	}
	b.WriteString("}\n")
	return b.String()
}

// keysExact matches the keys set.
func keysExact(keys ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(keys))
	for i, k := range keys {
		checks[i] = knownvalue.StringExact(k)
	}
	return knownvalue.SetExact(checks)
}

func stateValue(addr, attr string, check knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), check)
}

// checkServerSecret checks the server's copy: its keys and version.
func checkServerSecret(domainType, domainID, name string, version int64, keys ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		s, err := acc.client.GetSecret(context.Background(), domainType, domainID, name)
		if err != nil {
			return err
		}
		if got := client.SecretKeys(s); !slices.Equal(got, keys) {
			return fmt.Errorf("server keys = %v, want %v", got, keys)
		}
		if s.Metadata.Version != version {
			return fmt.Errorf("server version = %d, want %d", s.Metadata.Version, version)
		}
		return nil
	}
}

// checkSecretGone checks that the server no longer has the secret.
func checkSecretGone(domainType, domainID, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := acc.client.GetSecret(context.Background(), domainType, domainID, name)
		if err == nil {
			return fmt.Errorf("secret %s still exists", name)
		}
		if !client.IsNotFound(err) {
			return err
		}
		return nil
	}
}

// checkNoWriteOnlyValues checks that write-only values are nowhere in the
// resource's state attributes, that data_wo is empty, and that no state file
// on disk holds them.
func checkNoWriteOnlyValues(addr string, values ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		for k, v := range rs.Primary.Attributes {
			if strings.HasPrefix(k, "data_wo.") && k != "data_wo.%" {
				return fmt.Errorf("state has %s", k)
			}
			if (k == "data_wo.%" || k == "data.%") && v != "0" {
				return fmt.Errorf("state has %s = %s", k, v)
			}
			for _, val := range values {
				if strings.Contains(v, val) {
					return fmt.Errorf("state attribute %s holds a write-only value", k)
				}
			}
		}
		return checkStateFilesLackValues(values...)
	}
}

func TestAccSecretResource(t *testing.T) {
	t.Run("Organization", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-secret")
		renamed := name + "-renamed"
		user, pw1, pw2 := secretValue(), secretValue(), secretValue()
		sameID := statecheck.CompareValue(compare.ValuesSame())
		org := api.DomainTypeOrganization
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: resource.ComposeTestCheckFunc(
				checkSecretGone(org, "", name), checkSecretGone(org, "", renamed)),
			Steps: []resource.TestStep{
				{
					Config: testAccSecretConfig("", secretCfg{name: name, data: map[string]string{"user": user, "password": pw1}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionCreate),
							plancheck.ExpectKnownValue(secretAddr, tfjsonpath.New("keys"), keysExact("password", "user")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "id", knownvalue.StringRegexp(uuidPattern)),
						stateValue(secretAddr, "name", knownvalue.StringExact(name)),
						stateValue(secretAddr, "canvas", knownvalue.Null()),
						stateValue(secretAddr, "keys", keysExact("password", "user")),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(1)),
						stateValue(secretAddr, "data_wo", knownvalue.Null()),
						stateValue(secretAddr, "created_at", knownvalue.StringRegexp(rfc3339)),
						sameID.AddStateValue(secretAddr, tfjsonpath.New("id")),
					},
					Check: checkServerSecret(org, "", name, 1, "password", "user"),
				},
				// A new value is written: the version goes up.
				{
					Config: testAccSecretConfig("", secretCfg{name: name, data: map[string]string{"user": user, "password": pw2}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(secretAddr, tfjsonpath.New("version")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "version", knownvalue.Int64Exact(2)),
						sameID.AddStateValue(secretAddr, tfjsonpath.New("id")),
					},
					Check: checkServerSecret(org, "", name, 2, "password", "user"),
				},
				// A rename is made in place, keeps the id and does not write
				// the values (the version stays).
				{
					Config: testAccSecretConfig("", secretCfg{name: renamed, data: map[string]string{"user": user, "password": pw2}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(secretAddr, tfjsonpath.New("version"), knownvalue.Int64Exact(2)),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "name", knownvalue.StringExact(renamed)),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(2)),
						sameID.AddStateValue(secretAddr, tfjsonpath.New("id")),
					},
					Check: resource.ComposeTestCheckFunc(
						checkServerSecret(org, "", renamed, 2, "password", "user"),
						checkSecretGone(org, "", name)),
				},
				// Import: values cannot be read back.
				{
					ResourceName:            secretAddr,
					ImportState:             true,
					ImportStateId:           "organization/" + renamed,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"data.", "data_wo."},
				},
				{
					ResourceName:  secretAddr,
					ImportState:   true,
					ImportStateId: renamed,
					ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*expected "organization/<secret name>" or`),
				},
				// Removing a key writes the whole map.
				{
					Config: testAccSecretConfig("", secretCfg{name: renamed, data: map[string]string{"password": pw2}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(secretAddr, tfjsonpath.New("keys"), keysExact("password")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "keys", keysExact("password")),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(3)),
					},
					Check: checkServerSecret(org, "", renamed, 3, "password"),
				},
			},
		})
	})

	t.Run("Canvas", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-secret-canvas")
		name := randName("acc-secret")
		renamed := name + "-renamed"
		v1, v2 := secretValue(), secretValue()
		cv := api.DomainTypeCanvas
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkCanvasesGone(canvas),
			Steps: []resource.TestStep{
				{
					Config: testAccSecretConfig(canvas, secretCfg{canvas: "superplane_canvas.test.name", name: name, data: map[string]string{"k": v1}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "canvas", knownvalue.StringExact(canvas)),
						stateValue(secretAddr, "keys", keysExact("k")),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(1)),
					},
					Check: resource.ComposeTestCheckFunc(
						checkServerSecret(cv, canvas, name, 1, "k"),
						// A canvas secret is not an organization secret.
						checkSecretGone(api.DomainTypeOrganization, "", name)),
				},
				{
					Config: testAccSecretConfig(canvas, secretCfg{canvas: "superplane_canvas.test.name", name: name, data: map[string]string{"k": v2}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "version", knownvalue.Int64Exact(2)),
					},
					Check: checkServerSecret(cv, canvas, name, 2, "k"),
				},
				{
					Config: testAccSecretConfig(canvas, secretCfg{canvas: "superplane_canvas.test.name", name: renamed, data: map[string]string{"k": v2}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "name", knownvalue.StringExact(renamed)),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(2)),
					},
					Check: resource.ComposeTestCheckFunc(
						checkServerSecret(cv, canvas, renamed, 2, "k"),
						checkSecretGone(cv, canvas, name)),
				},
				{
					ResourceName:            secretAddr,
					ImportState:             true,
					ImportStateId:           "canvas/" + canvas + "/" + renamed,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"data.", "data_wo."},
				},
				// Moving the secret to another canvas (here: the same canvas
				// by id instead of name) replaces it.
				{
					Config: testAccSecretConfig(canvas, secretCfg{canvas: "superplane_canvas.test.id", name: renamed, data: map[string]string{"k": v2}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionDestroyBeforeCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "canvas", knownvalue.StringRegexp(uuidPattern)),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(1)),
					},
				},
			},
		})
	})

	t.Run("WriteOnly", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-secret-wo")
		w1, w2, w3, w4 := writeOnlyValue(), writeOnlyValue(), writeOnlyValue(), writeOnlyValue()
		plain := secretValue()
		org := api.DomainTypeOrganization
		resource.Test(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkSecretGone(org, "", name),
			Steps: []resource.TestStep{
				{
					Config: testAccSecretConfig("", secretCfg{name: name, dataWO: map[string]string{"token": w1}, woVersion: 1}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "data_wo", knownvalue.Null()),
						stateValue(secretAddr, "data", knownvalue.Null()),
						stateValue(secretAddr, "data_wo_version", knownvalue.Int64Exact(1)),
						stateValue(secretAddr, "keys", keysExact("token")),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(1)),
					},
					Check: resource.ComposeTestCheckFunc(
						checkNoWriteOnlyValues(secretAddr, w1),
						checkServerSecret(org, "", name, 1, "token")),
				},
				// Terraform cannot see write-only values: changing them
				// without bumping data_wo_version plans nothing.
				{
					Config: testAccSecretConfig("", secretCfg{name: name, dataWO: map[string]string{"token": w2}, woVersion: 1}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: checkServerSecret(org, "", name, 1, "token"),
				},
				// Bumping data_wo_version sends the values.
				{
					Config: testAccSecretConfig("", secretCfg{name: name, dataWO: map[string]string{"token": w3, "extra": w4}, woVersion: 2}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(secretAddr, tfjsonpath.New("version")),
							plancheck.ExpectKnownValue(secretAddr, tfjsonpath.New("keys"), keysExact("extra", "token")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "data_wo", knownvalue.Null()),
						stateValue(secretAddr, "data_wo_version", knownvalue.Int64Exact(2)),
						stateValue(secretAddr, "keys", keysExact("extra", "token")),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(2)),
					},
					Check: resource.ComposeTestCheckFunc(
						checkNoWriteOnlyValues(secretAddr, w1, w2, w3, w4),
						checkServerSecret(org, "", name, 2, "extra", "token")),
				},
				// Going back to plaintext would put the values in state.
				{
					Config:      testAccSecretConfig("", secretCfg{name: name, data: map[string]string{"token": "not-a-secret"}}),
					ExpectError: regexp.MustCompile(`Cannot switch from write-only to plaintext data`),
				},
				// The documented way out: forget the resource and import it
				// again; the next apply writes the values from data.
				{
					Config: `
removed {
  from = superplane_secret.test
  lifecycle {
    destroy = false
  }
}
`,
					Check: checkServerSecret(org, "", name, 2, "extra", "token"),
				},
				{
					Config: fmt.Sprintf(`
import {
  to = superplane_secret.test
  id = "organization/%s"
}
`, name) + testAccSecretConfig("", secretCfg{name: name, data: map[string]string{"token": plain}}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(secretAddr, tfjsonpath.New("version")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "data_wo_version", knownvalue.Null()),
						stateValue(secretAddr, "keys", keysExact("token")),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(3)),
					},
					Check: checkServerSecret(org, "", name, 3, "token"),
				},
			},
		})
	})

	t.Run("PlaintextToWriteOnly", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-secret")
		v, w := secretValue(), writeOnlyValue()
		org := api.DomainTypeOrganization
		resource.Test(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkSecretGone(org, "", name),
			Steps: []resource.TestStep{
				{Config: testAccSecretConfig("", secretCfg{name: name, data: map[string]string{"k": v}})},
				{
					Config: testAccSecretConfig("", secretCfg{name: name, dataWO: map[string]string{"k": w}, woVersion: 1}),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(secretAddr, tfjsonpath.New("version")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "data", knownvalue.Null()),
						stateValue(secretAddr, "version", knownvalue.Int64Exact(2)),
					},
					Check: checkServerSecret(org, "", name, 2, "k"),
				},
			},
		})
	})

	t.Run("InvalidConfig", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-secret")
		step := func(cfg secretCfg, want string) resource.TestStep {
			return resource.TestStep{
				Config:   testAccSecretConfig("", cfg),
				PlanOnly: true,
				// Terraform wraps long messages: any space may be a newline.
				ExpectError: regexp.MustCompile("(?s)" + strings.ReplaceAll(want, " ", `\s+`)),
			}
		}
		resource.Test(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				step(secretCfg{name: name, data: map[string]string{"a": "b"}, dataWO: map[string]string{"a": "b"}, woVersion: 1},
					`data = \{.*2 attributes specified when one \(and only one\) of \[data,data_wo\] is required`),
				step(secretCfg{name: name, dataWO: map[string]string{"a": "b"}},
					`data_wo = \{.*Attribute "data_wo_version" must be specified when "data_wo" is specified`),
				step(secretCfg{name: name, data: map[string]string{"a": "b"}, woVersion: 1},
					`data_wo_version = 1.*Attribute "data" cannot be specified when "data_wo_version" is specified`),
				step(secretCfg{name: name},
					`No attribute specified when one \(and only one\) of \[data,data_wo\] is required`),
				step(secretCfg{name: "bad/name", data: map[string]string{"a": "b"}},
					`Attribute name may contain only letters, digits`),
				step(secretCfg{name: name, data: map[string]string{}},
					`Attribute data map must contain at least 1 elements`),
			},
		})
	})

	t.Run("OutOfBandChange", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-secret")
		v, oob := secretValue(), secretValue()
		org := api.DomainTypeOrganization
		cfg := testAccSecretConfig("", secretCfg{name: name, data: map[string]string{"k": v}})
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkSecretGone(org, "", name),
			Steps: []resource.TestStep{
				{Config: cfg},
				// Someone changes the values (and adds a key) behind
				// Terraform's back: the plan updates in place and applying
				// writes the configured values again.
				{
					PreConfig: func() {
						if _, err := acc.client.UpdateSecret(accContext(t), org, "", name, name, map[string]string{"k": oob, "added": oob}); err != nil {
							t.Fatalf("changing the secret outside Terraform: %v", err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(secretAddr, tfjsonpath.New("version")),
							plancheck.ExpectKnownValue(secretAddr, tfjsonpath.New("keys"), keysExact("k")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "version", knownvalue.Int64Exact(3)),
						stateValue(secretAddr, "keys", keysExact("k")),
					},
					Check: checkServerSecret(org, "", name, 3, "k"),
				},
				// Converged: nothing more to do.
				{
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				},
			},
		})
	})

	t.Run("OutOfBandChangeWriteOnly", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-secret-wo")
		w, oob := writeOnlyValue(), secretValue()
		org := api.DomainTypeOrganization
		cfg := testAccSecretConfig("", secretCfg{name: name, dataWO: map[string]string{"k": w}, woVersion: 1})
		resource.Test(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkSecretGone(org, "", name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					// Same keys, other value: only the version shows it.
					PreConfig: func() {
						if _, err := acc.client.UpdateSecret(accContext(t), org, "", name, name, map[string]string{"k": oob}); err != nil {
							t.Fatalf("changing the secret outside Terraform: %v", err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(secretAddr, tfjsonpath.New("version")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(secretAddr, "version", knownvalue.Int64Exact(3)),
						stateValue(secretAddr, "data_wo_version", knownvalue.Int64Exact(1)),
					},
					Check: resource.ComposeTestCheckFunc(
						checkNoWriteOnlyValues(secretAddr, w),
						checkServerSecret(org, "", name, 3, "k")),
				},
				{
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				},
			},
		})
	})

	t.Run("DeletedOutsideTerraform", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-secret")
		v := secretValue()
		org := api.DomainTypeOrganization
		cfg := testAccSecretConfig("", secretCfg{name: name, data: map[string]string{"k": v}})
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkSecretGone(org, "", name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() {
						if err := acc.client.DeleteSecret(accContext(t), org, "", name); err != nil {
							t.Fatalf("deleting the secret outside Terraform: %v", err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: checkServerSecret(org, "", name, 1, "k"),
				},
			},
		})
	})
}

// TestAccSecretResourceTraceLog runs Terraform and the provider with
// TF_LOG=TRACE into a file and adds that file to the leak check. It sets
// environment variables, so it does not run in parallel.
func TestAccSecretResourceTraceLog(t *testing.T) {
	if acc.root == "" {
		t.Skip("needs TF_ACC=1")
	}
	logPath := fmt.Sprintf("%s/trace-%s.log", acc.root, randomSuffix())
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_LOG", "TRACE")
	// The test framework's own log lines quote each step's configuration,
	// literal values included; a user's trace log has no such lines.
	t.Setenv("TF_LOG_SDK_HELPER_RESOURCE", "OFF")
	acc.mu.Lock()
	acc.traceLogs = append(acc.traceLogs, logPath)
	acc.mu.Unlock()

	canvas := randName("acc-trace")
	name := randName("acc-secret-trace")
	v1, v2, w1, w2 := secretValue(), secretValue(), writeOnlyValue(), writeOnlyValue()
	config := func(v, w string, woVersion int64) string {
		return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_secret" "plain" {
  canvas = superplane_canvas.test.name
  name   = %[2]q
  data   = { k = %[3]q }
}

resource "superplane_secret" "wo" {
  name            = %[2]q
  data_wo         = { k = %[4]q }
  data_wo_version = %[5]d
}
`, canvas, name, v, w, woVersion)
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(v1, w1, 1),
				Check:  checkNoWriteOnlyValues("superplane_secret.wo", w1),
			},
			{
				Config: config(v2, w2, 2),
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue("superplane_secret.plain", "version", knownvalue.Int64Exact(2)),
					stateValue("superplane_secret.wo", "version", knownvalue.Int64Exact(2)),
				},
				Check: checkNoWriteOnlyValues("superplane_secret.wo", w1, w2),
			},
		},
	})
	// The log must hold both Terraform's and the provider's trace output,
	// or the leak check would prove nothing.
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("trace log: %v", err)
	}
	for _, want := range []string{"[TRACE] sdk.framework:", "[TRACE] statemgr.Filesystem:", "configured SuperPlane client"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace log %s has no %q lines", logPath, want)
		}
	}
}
