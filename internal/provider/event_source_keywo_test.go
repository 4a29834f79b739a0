package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// keyWOConfig is a canvas and a webhook source whose key is key_wo.
func keyWOConfig(canvas, name, key string, version int64) string {
	return canvasConfig(canvas) + fmt.Sprintf(`
resource "superplane_event_source" "test" {
  canvas         = superplane_canvas.test.name
  name           = %q
  type           = "webhook"
  key_wo         = %q
  key_wo_version = %d
}
`, name, key, version)
}

// planLacks is a plan check that fails when the values Terraform planned
// (as terraform show -json gives the plan file: planned values, resource
// changes, prior state) contain one of values. The configuration, which a
// plan file carries too, is left out: these tests write the key in it as
// a literal, where a user passes an ephemeral variable or value.
type planLacks []string

// CheckPlan looks through the plan but its copy of the configuration.
func (values planLacks) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan == nil {
		resp.Error = fmt.Errorf("no plan")
		return
	}
	plan := *req.Plan
	plan.Config = nil
	b, err := json.Marshal(plan)
	if err != nil {
		resp.Error = err
		return
	}
	if !strings.Contains(string(b), "superplane_event_source") {
		resp.Error = fmt.Errorf("the plan names no event source: the check would prove nothing")
		return
	}
	for _, v := range values {
		if strings.Contains(string(b), v) {
			resp.Error = fmt.Errorf("the plan holds a write-only key")
			return
		}
	}
}

// checkKeyWO checks that no key is in the source's state attributes or in
// any state file, that deliveries signed with each of accepted pass and
// one signed with another key is refused, and that the server's key
// version is version.
func checkKeyWO(canvas string, version int64, keys []string, accepted ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		a, err := attrs(s, sourceAddr)
		if err != nil {
			return err
		}
		for k, v := range a {
			for _, key := range keys {
				if strings.Contains(v, key) {
					return fmt.Errorf("state attribute %s holds a write-only key", k)
				}
			}
		}
		if err := checkStateFilesLackValues(keys...); err != nil {
			return err
		}
		for i, key := range accepted {
			body := fmt.Sprintf(`{"n":%d}`, i)
			if code, err := deliver(a["webhook_url"], key, []byte(body)); err != nil || code != 200 {
				return fmt.Errorf("delivery signed with key %d: status %d (%v), want 200", i, code, err)
			}
		}
		if code, err := deliver(a["webhook_url"], strings.Repeat("0", 64), []byte(`{"n":-1}`)); err != nil || code != 401 {
			return fmt.Errorf("delivery signed with another key: status %d (%v), want 401", code, err)
		}
		es, err := acc.client.GetEventSource(context.Background(), canvas, a["id"])
		if err != nil {
			return err
		}
		if es.Status == nil || es.Status.KeyVersion != version {
			return fmt.Errorf("server key version = %+v, want %d", es.Status, version)
		}
		return nil
	}
}

// TestAccEventSourceKeyWO: a webhook source's key supplied with key_wo
// signs deliveries, is in no state file and no plan, and key stays null;
// bumping key_wo_version sends the new key, the old one verifying through
// the grace period; a new key_wo without a bump changes nothing.
func TestAccEventSourceKeyWO(t *testing.T) {
	canvas := randName("acc-es-wo")
	name := randName("acc-es-wo")
	k1, k2, k3 := writeOnlyValue(), writeOnlyValue(), writeOnlyValue()
	all := []string{k1, k2, k3}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []resource.TestStep{
			{
				Config: keyWOConfig(canvas, name, k1, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						planLacks(all),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), planLacks(all)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "key_wo", knownvalue.Null()),
					stateValue(sourceAddr, "key_wo_version", knownvalue.Int64Exact(1)),
					stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(1)),
				},
				Check: checkKeyWO(canvas, 1, all, k1),
			},
			{
				// Bumping key_wo_version rotates to the new key; the old
				// one verifies until the grace period ends.
				Config: keyWOConfig(canvas, name, k2, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						planLacks(all),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "key_wo_version", knownvalue.Int64Exact(2)),
				},
				Check: checkKeyWO(canvas, 2, all, k2, k1),
			},
			{
				// Terraform cannot see a write-only value change: without a
				// bump, nothing is sent.
				Config: keyWOConfig(canvas, name, k3, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), planLacks(all)},
				},
				Check: checkKeyWO(canvas, 2, all, k2),
			},
		},
	})
}

// TestAccEventSourceKeyWOBadInput: a key_wo the server would refuse, or on
// a source type that takes none, fails the plan, without quoting the key.
func TestAccEventSourceKeyWOBadInput(t *testing.T) {
	canvas := unsavedName("acc-es-wo-bad")
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      keyWOConfig(canvas, "short", "too-short-key", 1),
				PlanOnly:    true,
				ExpectError: errorText(`key_wo must be 32 to 256 characters long, not 13`),
			},
			{
				Config: canvasConfig(canvas) + `
resource "superplane_event_source" "test" {
  canvas         = superplane_canvas.test.name
  name           = "button"
  type           = "manual"
  key_wo         = "0123456789abcdef0123456789abcdef"
  key_wo_version = 1
}
`,
				PlanOnly:    true,
				ExpectError: errorText(`Only a webhook event source takes a key of yours`),
			},
			{
				Config: canvasConfig(canvas) + `
resource "superplane_event_source" "test" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
  key_wo = "0123456789abcdef0123456789abcdef"
}
`,
				PlanOnly:    true,
				ExpectError: errorText(`Attribute "key_wo_version" must be specified when "key_wo" is specified`),
			},
		},
	})
}

// errorText matches want in Terraform's output, which wraps long lines.
func errorText(want string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(regexp.QuoteMeta(want), " ", `\s+`))
}

// TestAccEventSourceKeyWOTraceLog creates a webhook source with key_wo and
// sends a new one with TF_LOG=TRACE written to a file, which the leak check
// then scans for the keys (write-only values are checked everywhere). It
// sets environment variables, so it does not run in parallel.
func TestAccEventSourceKeyWOTraceLog(t *testing.T) {
	if acc.root == "" {
		t.Skip("needs TF_ACC=1")
	}
	logPath := fmt.Sprintf("%s/trace-event-source-wo-%s.log", acc.root, randomSuffix())
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_LOG", "TRACE")
	// The test framework's own log lines quote each step's configuration,
	// literal values included; a user's trace log has no such lines.
	t.Setenv("TF_LOG_SDK_HELPER_RESOURCE", "OFF")
	acc.mu.Lock()
	acc.traceLogs = append(acc.traceLogs, logPath)
	acc.mu.Unlock()

	canvas, name := randName("acc-es-wo-trace"), randName("acc-es-wo-trace")
	k1, k2 := writeOnlyValue(), writeOnlyValue()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: keyWOConfig(canvas, name, k1, 1), Check: checkKeyWO(canvas, 1, []string{k1, k2}, k1)},
			{Config: keyWOConfig(canvas, name, k2, 2), Check: checkKeyWO(canvas, 2, []string{k1, k2}, k2, k1)},
		},
	})
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

// TestAccEventSourceKeyWOSwitch: a source with a generated key in state
// takes key_wo (the key is reset to the user's, key becomes null, and the
// generated key verifies through the grace period); removing key_wo later
// leaves the user's key on the server and nothing in state.
func TestAccEventSourceKeyWOSwitch(t *testing.T) {
	canvas, name := randName("acc-es-wo-switch"), randName("acc-es-wo-switch")
	userKey := writeOnlyValue()
	generated := canvasConfig(canvas) + eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "webhook"}.String()
	var firstKey string
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []resource.TestStep{
			{
				Config: generated,
				Check: func(s *terraform.State) error {
					a, err := attrs(s, sourceAddr)
					if err != nil {
						return err
					}
					firstKey = a["key"]
					if !keyPattern.MatchString(firstKey) {
						return fmt.Errorf("generated key %q", firstKey)
					}
					recordSourceKey(firstKey)
					return nil
				},
			},
			{
				Config: keyWOConfig(canvas, name, userKey, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						planLacks{userKey},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateValue(sourceAddr, "key", knownvalue.Null())},
				Check: func(s *terraform.State) error {
					return checkKeyWO(canvas, 2, []string{userKey}, userKey, firstKey)(s)
				},
			},
			{
				// Removing key_wo: no reset, the user's key stays in force.
				Config: generated,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key_wo_version"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(1)),
				},
				Check: checkKeyWO(canvas, 2, []string{userKey}, userKey),
			},
		},
	})
}
