package provider

import (
	"context"
	"fmt"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

func init() {
	schemaShapes["superplane_auth_provider"] = map[string]objectShape{"": {model: AuthProviderResourceModel{}}}
	schemaShapes["data.superplane_auth_provider"] = map[string]objectShape{"": {model: AuthProviderDataSourceModel{}}}
}

func testAccAuthProviderConfig(name, secret, role, display string, version int) string {
	return fmt.Sprintf(`
resource "superplane_auth_provider" "test" {
  name                     = %[1]q
  type                     = "github"
  display_name             = %[4]q
  client_id                = "acc-client"
  client_secret_wo         = %[2]q
  client_secret_wo_version = %[5]d
  default_role             = %[3]q
  allowed_email_domains    = ["example.com"]
  allowed_organization     = "acme"
}

data "superplane_auth_provider" "test" {
  name = superplane_auth_provider.test.name
}
`, name, secret, role, display, version)
}

// TestAccAuthProvider: a GitHub auth provider created with a write-only
// client secret (never in state, never answered: the data source says only
// that one is set), changed in place, imported by name and by id, and gone
// after destroy; every second plan is empty.
func TestAccAuthProvider(t *testing.T) {
	t.Parallel()
	name := randName("acc-ap")
	first, second := writeOnlyValue(), writeOnlyValue()
	addr := "superplane_auth_provider.test"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		CheckDestroy: func(*terraform.State) error {
			if _, err := acc.client.GetAuthProvider(context.Background(), name); !client.IsNotFound(err) {
				return fmt.Errorf("auth provider %s after destroy: %v", name, err)
			}
			return nil
		},
		Steps: []tfresource.TestStep{
			{
				Config: testAccAuthProviderConfig(name, first, "viewer", "Acme GitHub", 1),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339)),
					statecheck.ExpectKnownValue("data.superplane_auth_provider.test", tfjsonpath.New("client_secret_set"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.superplane_auth_provider.test", tfjsonpath.New("allowed_organization"), knownvalue.StringExact("acme")),
					statecheck.ExpectKnownValue("data.superplane_auth_provider.test", tfjsonpath.New("default_role"), knownvalue.StringExact("viewer")),
				},
				Check: checkNoWriteOnlyValues(addr, first),
			},
			// A new secret (a bumped version), a new role and label: in place.
			{
				Config: testAccAuthProviderConfig(name, second, "admin", "GitHub", 2),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("default_role"), knownvalue.StringExact("admin")),
				},
				Check: checkNoWriteOnlyValues(addr, first, second),
			},
			// Imports by name and by id; the write-only secret's version is
			// the configuration's, not the server's.
			{
				ResourceName: addr, ImportState: true, ImportStateId: name, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"client_secret_wo_version"},
			},
			{
				ResourceName: addr, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"client_secret_wo_version"},
			},
		},
	})
}
