package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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
	schemaShapes["superplane_service_account"] = map[string]objectShape{"": {model: ServiceAccountResourceModel{}}}
	schemaShapes["superplane_service_account_token"] = map[string]objectShape{"": {model: ServiceAccountTokenResourceModel{}}}
	schemaShapes["data.superplane_service_account"] = withRoot(ServiceAccountDataSourceModel{}, map[string]objectShape{
		"tokens": {attrTypes: accountTokenAttrTypes},
	})
	schemaShapes["data.superplane_service_accounts"] = withRoot(ServiceAccountsDataSourceModel{}, map[string]objectShape{
		"service_accounts":        {attrTypes: accountSummaryAttrTypes},
		"service_accounts.tokens": {attrTypes: accountTokenAttrTypes},
	})
}

// TestServiceAccountTokenEphemeralSchema holds the ephemeral token's schema
// to the rules the resources' schemas follow: valid, every attribute
// described, and the model naming exactly its attributes.
func TestServiceAccountTokenEphemeralSchema(t *testing.T) {
	ctx := context.Background()
	p := &SuperplaneProvider{}
	list := p.EphemeralResources(ctx)
	if len(list) != 1 {
		t.Fatalf("%d ephemeral resources; want the service account token", len(list))
	}
	e := list[0]()
	var md ephemeral.MetadataResponse
	e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "superplane"}, &md)
	if md.TypeName != "superplane_service_account_token" {
		t.Fatalf("type name %q", md.TypeName)
	}
	var resp ephemeral.SchemaResponse
	e.Schema(ctx, ephemeral.SchemaRequest{}, &resp)
	if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("schema: %v", diags)
	}
	for name, a := range resp.Schema.Attributes {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("%s has no description", name)
		}
	}
	if !resp.Schema.Attributes["value"].IsSensitive() {
		t.Error("value is not sensitive")
	}
	typ, ok := resp.Schema.Type().(types.ObjectType)
	if !ok {
		t.Fatalf("schema type %T", resp.Schema.Type())
	}
	for _, msg := range compareModel(ctx, reflect.TypeOf(ServiceAccountTokenEphemeralModel{}), typ.AttrTypes) {
		t.Error(msg)
	}
}

// tokenPlan runs the token resource's ModifyPlan at clock now on a token
// that expires at expires, with rotate_before before ("" for none).
func tokenPlan(t *testing.T, now, expires time.Time, before string) (*resource.ModifyPlanResponse, ServiceAccountTokenResourceModel) {
	t.Helper()
	ctx := context.Background()
	r := &ServiceAccountTokenResource{now: func() time.Time { return now }}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	rotate := types.StringNull()
	if before != "" {
		rotate = types.StringValue(before)
	}
	m := ServiceAccountTokenResourceModel{
		ID: types.StringValue("00000000-0000-4000-8000-000000000001"), ServiceAccount: types.StringValue("deploy"),
		Name: types.StringValue("ci"), ExpiresIn: types.StringValue("720h"), RotateBefore: rotate,
		Keepers: types.MapNull(types.StringType), Role: types.StringValue("admin"),
		CreatedAt: types.StringValue(expires.Add(-720 * time.Hour).Format(time.RFC3339)),
		ExpiresAt: types.StringValue(expires.Format(time.RFC3339)), Value: types.StringValue("spt_x"),
	}
	empty := tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)
	state := tfsdk.State{Schema: sresp.Schema, Raw: empty}
	plan := tfsdk.Plan{Schema: sresp.Schema, Raw: empty}
	if diags := state.Set(ctx, m); diags.HasError() {
		t.Fatal(diags)
	}
	if diags := plan.Set(ctx, m); diags.HasError() {
		t.Fatal(diags)
	}
	resp := &resource.ModifyPlanResponse{Plan: plan}
	r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: plan}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var planned ServiceAccountTokenResourceModel
	if diags := resp.Plan.Get(ctx, &planned); diags.HasError() {
		t.Fatal(diags)
	}
	return resp, planned
}

// TestServiceAccountTokenRotationPlan: a plan replaces the token once it
// is within rotate_before of its expiry (or, without rotate_before, once it
// has expired), and leaves it alone before.
func TestServiceAccountTokenRotationPlan(t *testing.T) {
	expires := time.Date(2030, 1, 31, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		now     time.Time
		before  string
		replace bool
	}{
		{"long before expiry", expires.Add(-30 * 24 * time.Hour), "168h", false},
		{"just outside rotate_before", expires.Add(-168*time.Hour - time.Second), "168h", false},
		{"within rotate_before", expires.Add(-168 * time.Hour), "168h", true},
		{"without rotate_before, before expiry", expires.Add(-time.Second), "", false},
		{"without rotate_before, expired", expires, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, planned := tokenPlan(t, c.now, expires, c.before)
			replaced := len(resp.RequiresReplace) == 1 && resp.RequiresReplace[0].Equal(path.Root("expires_at"))
			if replaced != c.replace || planned.ExpiresAt.IsUnknown() != c.replace || planned.Value.IsUnknown() != c.replace {
				t.Fatalf("requires replace %v, expires_at %v, value unknown %v; want replacement %v",
					resp.RequiresReplace, planned.ExpiresAt, planned.Value.IsUnknown(), c.replace)
			}
		})
	}
}

// tokenClient is a client that authenticates with token.
func tokenClient(t *testing.T, token string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: os.Getenv(EnvEndpoint), Token: token, UserAgent: "terraform-provider-superplane/acctest", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// capturedTokens records the token values Terraform stored, step by step.
type capturedTokens struct{ values []string }

// capture reads the value of resource name from the state, records it for
// the leak check (in state by design, nowhere else) and checks that it
// authenticates against the API with role.
func (c *capturedTokens) capture(t *testing.T, name, role string) tfresource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		v := rs.Primary.Attributes["value"]
		if !strings.HasPrefix(v, "spt_") {
			return fmt.Errorf("%s has no token value in state", name)
		}
		recordSourceKey(v)
		c.values = append(c.values, v)
		me, err := tokenClient(t, v).Me(accContext(t))
		if err != nil {
			return fmt.Errorf("the token Terraform created does not authenticate: %w", err)
		}
		if me.Role != role {
			return fmt.Errorf("the token's role is %q; want %q", me.Role, role)
		}
		return nil
	}
}

// refused checks that none of the tokens authenticates any more.
func (c *capturedTokens) refused(t *testing.T, which func([]string) []string) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		for i, v := range which(c.values) {
			_, err := tokenClient(t, v).Me(accContext(t))
			if !client.IsUnauthorized(err) {
				return fmt.Errorf("token %d still authenticates (or another error): %v", i, err)
			}
		}
		return nil
	}
}

func testAccServiceAccountConfig(name, role, description, keeper string) string {
	return fmt.Sprintf(`
resource "superplane_service_account" "test" {
  name        = %[1]q
  role        = %[2]q
  description = %[3]q
}

resource "superplane_service_account_token" "test" {
  service_account = superplane_service_account.test.id
  name            = "ci"
  expires_in      = "720h"
  rotate_before   = "168h"
  keepers = {
    rotation = %[4]q
  }
}

data "superplane_service_account" "test" {
  name       = superplane_service_account.test.name
  depends_on = [superplane_service_account_token.test]
}
`, name, role, description, keeper)
}

// TestAccServiceAccount: an account and a token created by Terraform; the
// token authenticates with the account's role, follows a role change made
// in place, is replaced when its keepers change (the old one refused), and
// stops working after destroy; the account imports by name and every
// second plan is empty.
func TestAccServiceAccount(t *testing.T) {
	t.Parallel()
	name := randName("acc-sa")
	tokens := &capturedTokens{}
	all := func(v []string) []string { return v }
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: tfresource.ComposeTestCheckFunc(tokens.refused(t, all), func(*terraform.State) error {
			if _, err := acc.client.GetServiceAccount(context.Background(), name); !client.IsNotFound(err) {
				return fmt.Errorf("service account %s after destroy: %v", name, err)
			}
			return nil
		}),
		Steps: []tfresource.TestStep{
			{
				Config: testAccServiceAccountConfig(name, "viewer", "reads", "1"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("superplane_service_account.test", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("superplane_service_account_token.test", plancheck.ResourceActionCreate),
						plancheck.ExpectSensitiveValue("superplane_service_account_token.test", tfjsonpath.New("value")),
						plancheck.ExpectUnknownValue("superplane_service_account_token.test", tfjsonpath.New("value")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("superplane_service_account.test", tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue("superplane_service_account.test", tfjsonpath.New("role"), knownvalue.StringExact("viewer")),
					statecheck.ExpectKnownValue("superplane_service_account.test", tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339)),
					statecheck.ExpectKnownValue("superplane_service_account_token.test", tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue("superplane_service_account_token.test", tfjsonpath.New("role"), knownvalue.StringExact("viewer")),
					statecheck.ExpectKnownValue("superplane_service_account_token.test", tfjsonpath.New("expires_at"), knownvalue.StringRegexp(rfc3339)),
					statecheck.ExpectKnownValue("data.superplane_service_account.test", tfjsonpath.New("role"), knownvalue.StringExact("viewer")),
					statecheck.ExpectKnownValue("data.superplane_service_account.test", tfjsonpath.New("tokens"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name": knownvalue.StringExact("ci"), "role": knownvalue.StringExact("viewer"),
						}),
					})),
				},
				Check: tokens.capture(t, "superplane_service_account_token.test", "viewer"),
			},
			// The role and description change in place; the token stays and
			// carries the new role.
			{
				Config: testAccServiceAccountConfig(name, "admin", "deploys", "1"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("superplane_service_account.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("superplane_service_account_token.test", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: tokens.capture(t, "superplane_service_account_token.test", "admin"),
			},
			// New keepers rotate the token: a new value, the old one refused.
			{
				Config: testAccServiceAccountConfig(name, "admin", "deploys", "2"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("superplane_service_account.test", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("superplane_service_account_token.test", plancheck.ResourceActionDestroyBeforeCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: tfresource.ComposeTestCheckFunc(
					tokens.capture(t, "superplane_service_account_token.test", "admin"),
					tokens.refused(t, func(v []string) []string { return v[:len(v)-1] }),
				),
			},
			// The account imports by name (and by id).
			{
				ResourceName:      "superplane_service_account.test",
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
			},
			{
				ResourceName:      "superplane_service_account.test",
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

// noTokenInState fails when any string in the state is a token.
type noTokenInState struct{}

func (noTokenInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if strings.Contains(string(b), "spt_") {
		resp.Error = errors.New("the state holds a token (spt_...)")
	}
}

var _ statecheck.StateCheck = noTokenInState{}

func testAccEphemeralTokenConfig(account, canvas string, withToken bool) string {
	cfg := fmt.Sprintf(`
resource "superplane_service_account" "runner" {
  name = %[1]q
  role = "admin"
}
`, account)
	if withToken {
		cfg += fmt.Sprintf(`
ephemeral "superplane_service_account_token" "run" {
  service_account = superplane_service_account.runner.id
  expires_in      = "15m"
}

provider "superplane" {
  alias = "runner"
  token = ephemeral.superplane_service_account_token.run.value
}

resource "superplane_canvas" "by_runner" {
  provider = superplane.runner
  name     = %[1]q
}
`, canvas)
	}
	return cfg
}

// TestAccServiceAccountTokenEphemeral: an ephemeral token configures a
// second provider that acts as the account (the canvas it creates is the
// account's, not the owner's); no token is ever in the state, and every
// token opened is revoked when Terraform closes it. In these tests one
// in-process provider serves both provider configurations, so the last
// one configured is the client of all: at destroy, the account's deletion
// revokes that client's token, and Close meets a 401 (a warning).
func TestAccServiceAccountTokenEphemeral(t *testing.T) {
	t.Parallel()
	account, canvas := randName("acc-eph"), randName("acc-eph-canvas")
	noTokensLeft := func(*terraform.State) error {
		a, err := acc.client.GetServiceAccount(context.Background(), account)
		if err != nil {
			return err
		}
		list, err := acc.client.ListServiceAccountTokens(context.Background(), a.Metadata.ID)
		if err != nil {
			return err
		}
		if len(list) != 0 {
			return fmt.Errorf("%d ephemeral tokens were not revoked when Terraform closed them", len(list))
		}
		return nil
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas), func(*terraform.State) error {
			// Deleting the account revoked whatever token of it was left.
			if _, err := acc.client.GetServiceAccount(context.Background(), account); !client.IsNotFound(err) {
				return fmt.Errorf("service account %s after destroy: %v", account, err)
			}
			return nil
		}),
		Steps: []tfresource.TestStep{
			// The account first: a provider block needs its token when
			// Terraform plans.
			{Config: testAccEphemeralTokenConfig(account, canvas, false)},
			{
				Config: testAccEphemeralTokenConfig(account, canvas, true),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("superplane_canvas.by_runner", plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{noTokenInState{}},
				Check: tfresource.ComposeTestCheckFunc(noTokensLeft, func(*terraform.State) error {
					ctx := context.Background()
					cv, err := acc.client.GetCanvas(ctx, canvas)
					if err != nil {
						return err
					}
					me, err := acc.client.Me(ctx)
					if err != nil {
						return err
					}
					if cv.Metadata.CreatedBy == "" || cv.Metadata.CreatedBy == me.ID {
						return fmt.Errorf("the canvas was created by %q, not by the service account", cv.Metadata.CreatedBy)
					}
					return nil
				}),
			},
		},
	})
}
