package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

func init() {
	schemaShapes["superplane_role"] = withRoot(RoleResourceModel{}, map[string]objectShape{
		"permissions": {model: rolePermissionModel{}},
	})
	schemaShapes["superplane_group"] = map[string]objectShape{"": {model: UserGroupResourceModel{}}}
	schemaShapes["superplane_canvas_member"] = map[string]objectShape{"": {model: CanvasMemberResourceModel{}}}
	schemaShapes["data.superplane_roles"] = withRoot(RolesDataSourceModel{}, map[string]objectShape{
		"roles":             {model: listedRoleModel{}, attrTypes: listedRoleAttrTypes},
		"roles.permissions": {model: rolePermissionModel{}, attrTypes: rolePermissionAttrTypes},
	})
	schemaShapes["data.superplane_users"] = withRoot(UsersDataSourceModel{}, map[string]objectShape{
		"users":       {model: userModel{}, attrTypes: userAttrTypes},
		"users.roles": {model: userRoleModel{}, attrTypes: userRoleAttrTypes},
	})
}

func testAccRolesConfig(a, b, suffix, permAction, memberRole string, members []string) string {
	quotedMembers := make([]string, len(members))
	for i, m := range members {
		quotedMembers[i] = fmt.Sprintf("%q", m)
	}
	return fmt.Sprintf(`
resource "superplane_canvas" "a" {
  name = %[1]q
}

resource "superplane_canvas" "b" {
  name = %[2]q
}

resource "superplane_role" "deployer" {
  name         = "deployer"
  canvas_id    = superplane_canvas.a.id
  display_name = "Deployer"
  permissions = [
    { resource = "stage", action = "read" },
    { resource = "stageevent", action = %[4]q },
  ]
}

resource "superplane_group" "ops" {
  name      = "ops"
  canvas_id = superplane_canvas.a.id
  role      = "canvas_admin"
  members   = [%[6]s]
}

resource "superplane_canvas_member" "viewer" {
  canvas_id  = superplane_canvas.a.id
  user_email = "viewer-%[3]s@example.com"
  role       = %[5]q
  depends_on = [superplane_role.deployer]
}

data "superplane_roles" "a" {
  canvas_id  = superplane_canvas.a.id
  depends_on = [superplane_role.deployer]
}

data "superplane_users" "a" {
  canvas_id  = superplane_canvas.a.id
  depends_on = [superplane_group.ops, superplane_canvas_member.viewer]
}
`, a, b, suffix, permAction, memberRole, strings.Join(quotedMembers, ", "))
}

// canvasMemberToken runs superplane-server token create for a member of
// organization acc with canvas_viewer on canvas, as an operator would,
// and returns a client using that token.
func canvasMemberToken(t *testing.T, canvas, email string) *client.Client {
	t.Helper()
	bin := os.Getenv("SUPERPLANE_ACC_SERVER_BIN")
	if bin == "" {
		bin = filepath.Join(acc.root, "superplane-server")
	}
	cmd := exec.Command(bin, "token", "create", "--data-dir", acc.dataDir, "--org", "acc", "--role", "member",
		"--user", email, "--canvas", canvas, "--canvas-role", "canvas_viewer")
	cmd.Env = filteredEnv("SUPERPLANE_")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token create --canvas %s: %v: %s", canvas, err, stderr.String())
	}
	c, err := client.New(client.Config{Endpoint: os.Getenv(EnvEndpoint), Token: strings.TrimSpace(string(out)), UserAgent: "terraform-provider-superplane/acctest"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAccCanvasRoles: a custom canvas role, a group granting canvas_admin
// with members, and a canvas member are created, changed in place (the
// role's permissions, the group's members, the member's role), imported,
// and every second plan is empty; a token made by `token create --role
// member --canvas` reads its canvas, is refused a write there (403) and
// finds the other canvas missing (404).
func TestAccCanvasRoles(t *testing.T) {
	t.Parallel()
	a, b, suffix := randName("acc-roles-a"), randName("acc-roles-b"), randomSuffix()
	ops1, ops2 := "ops1-"+suffix+"@example.com", "ops2-"+suffix+"@example.com"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: testAccRolesConfig(a, b, suffix, "approve", "canvas_viewer", []string{ops1}),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("superplane_role.deployer", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("superplane_group.ops", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("superplane_canvas_member.viewer", plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("superplane_role.deployer", tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue("superplane_role.deployer", tfjsonpath.New("permissions"), knownvalue.SetSizeExact(2)),
					statecheck.ExpectKnownValue("superplane_group.ops", tfjsonpath.New("members"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(ops1)})),
					statecheck.ExpectKnownValue("superplane_canvas_member.viewer", tfjsonpath.New("user_id"), knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue("data.superplane_users.a", tfjsonpath.New("users"), knownvalue.ListSizeExact(2)),
					// Three built-in canvas roles, then deployer.
					statecheck.ExpectKnownValue("data.superplane_roles.a", tfjsonpath.New("roles").AtSliceIndex(3).AtMapKey("name"), knownvalue.StringExact("deployer")),
					statecheck.ExpectKnownValue("data.superplane_roles.a", tfjsonpath.New("roles").AtSliceIndex(2).AtMapKey("builtin"), knownvalue.Bool(true)),
				},
				Check: func(*terraform.State) error {
					ctx := context.Background()
					viewer := canvasMemberToken(t, a, "cli-"+suffix+"@example.com")
					if _, err := viewer.GetCanvas(ctx, a); err != nil {
						return fmt.Errorf("the canvas viewer's token reads its canvas: %v", err)
					}
					if _, err := viewer.GetCanvas(ctx, b); !client.IsNotFound(err) {
						return fmt.Errorf("the canvas viewer of %s reading %s: %v, want not found", a, b, err)
					}
					if _, err := viewer.CreateSecret(ctx, api.DomainTypeCanvas, a, "nope", map[string]string{"k": "v"}); !client.IsPermissionDenied(err) {
						return fmt.Errorf("the canvas viewer creating a secret on its canvas: %v, want permission denied", err)
					}
					list, err := viewer.ListCanvases(ctx)
					if err != nil || len(list) != 1 || list[0].Metadata.Name != a {
						return fmt.Errorf("the canvas viewer lists %d canvases (%v), want only %s", len(list), err, a)
					}
					return nil
				},
			},
			// Permissions, members and the member's role change in place.
			{
				Config: testAccRolesConfig(a, b, suffix, "read", "deployer", []string{ops1, ops2}),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("superplane_role.deployer", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("superplane_group.ops", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("superplane_canvas_member.viewer", plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("superplane_group.ops", tfjsonpath.New("members"), knownvalue.SetSizeExact(2)),
					statecheck.ExpectKnownValue("superplane_canvas_member.viewer", tfjsonpath.New("role"), knownvalue.StringExact("deployer")),
				},
			},
			{
				ResourceName:      "superplane_role.deployer",
				ImportState:       true,
				ImportStateIdFunc: domainImportIDOf("superplane_role.deployer", "name"),
				ImportStateVerify: true,
			},
			{
				ResourceName:      "superplane_group.ops",
				ImportState:       true,
				ImportStateIdFunc: domainImportIDOf("superplane_group.ops", "name"),
				ImportStateVerify: true,
			},
			{
				ResourceName:      "superplane_canvas_member.viewer",
				ImportState:       true,
				ImportStateIdFunc: domainImportIDOf("superplane_canvas_member.viewer", "user_email"),
				ImportStateVerify: true,
			},
		},
	})
}

// domainImportIDOf is "<canvas_id>/<attribute>" of a resource in state.
func domainImportIDOf(resourceName, attribute string) tfresource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[resourceName]
		if !ok {
			return "", fmt.Errorf("%s not in state", resourceName)
		}
		return rs.Primary.Attributes["canvas_id"] + "/" + rs.Primary.Attributes[attribute], nil
	}
}
