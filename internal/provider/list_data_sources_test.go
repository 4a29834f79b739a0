package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestAccCanvasesDataSource: two new canvases appear in the list, by name
// and with their ids and descriptions.
func TestAccCanvasesDataSource(t *testing.T) {
	a, b := randName("acc-list-a"), randName("acc-list-b")
	config := fmt.Sprintf(`
resource "superplane_canvas" "a" {
  name        = %[1]q
  description = "first"
}

resource "superplane_canvas" "b" {
  name = %[2]q
}
`, a, b)
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{Config: config},
			{
				Config: config + `
data "superplane_canvases" "all" {}

locals {
  by_name = { for c in data.superplane_canvases.all.canvases : c.name => c }
}

output "a_id_matches" {
  value = local.by_name[superplane_canvas.a.name].id == superplane_canvas.a.id
}

output "a_description" {
  value = local.by_name[superplane_canvas.a.name].description
}

output "b_present" {
  value = contains(keys(local.by_name), superplane_canvas.b.name)
}

output "sorted" {
  value = join(",", [for c in data.superplane_canvases.all.canvases : c.name]) == join(",", sort([for c in data.superplane_canvases.all.canvases : c.name]))
}
`,
				Check: tfresource.ComposeAggregateTestCheckFunc(
					tfresource.TestCheckOutput("a_id_matches", "true"),
					tfresource.TestCheckOutput("a_description", "first"),
					tfresource.TestCheckOutput("b_present", "true"),
					tfresource.TestCheckOutput("sorted", "true"),
				),
			},
		},
	})
}

// TestAccSecretsDataSource: a canvas's secrets are listed with their keys
// and versions, the organization's list does not hold them, and no value
// reaches the state (the secret is written with data_wo, so a value in a
// state file can only come from the data source).
func TestAccSecretsDataSource(t *testing.T) {
	canvas, value := randName("acc-secrets"), writeOnlyValue()
	config := fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_secret" "db" {
  canvas          = superplane_canvas.test.name
  name            = "db"
  data_wo         = { user = "deploy", password = %[2]q }
  data_wo_version = 1
}

resource "superplane_secret" "api" {
  canvas          = superplane_canvas.test.name
  name            = "api"
  data_wo         = { token = %[2]q }
  data_wo_version = 1
}
`, canvas, value)
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{Config: config},
			{
				Config: config + `
data "superplane_secrets" "canvas" {
  canvas = superplane_canvas.test.name
}

data "superplane_secrets" "org" {}

output "org_has_db" {
  value = contains([for s in data.superplane_secrets.org.secrets : s.id], superplane_secret.db.id)
}
`,
				Check: tfresource.ComposeAggregateTestCheckFunc(
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.#", "2"),
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.0.name", "api"),
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.0.keys.#", "1"),
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.0.keys.0", "token"),
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.1.name", "db"),
					tfresource.TestCheckResourceAttrPair("data.superplane_secrets.canvas", "secrets.1.id", "superplane_secret.db", "id"),
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.1.keys.0", "password"),
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.1.keys.1", "user"),
					tfresource.TestCheckResourceAttr("data.superplane_secrets.canvas", "secrets.1.version", "1"),
					tfresource.TestCheckOutput("org_has_db", "false"),
					func(*terraform.State) error { return checkStateFilesLackValues(value) },
				),
			},
			{
				Config: config + `
data "superplane_secrets" "missing" {
  canvas = "no-such-canvas-for-secrets"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error listing secrets.*404`),
			},
		},
	})
}

// listStagesConfig is a canvas with a source and two noop stages; build
// has an output that names the event's version, so its executions can be
// told apart.
func listStagesConfig(canvas string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "build" {
  canvas      = superplane_canvas.test.name
  name        = "build"
  description = "builds"

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "VERSION"
  }

  input_mapping {
    value {
      name = "VERSION"
      from_event {
        expression = "$.version"
      }
    }
  }

  output {
    name = "version"
  }

  noop {
    outputs = {
      version = "$${{ inputs.VERSION }}"
    }
  }
}

resource "superplane_stage" "announce" {
  canvas = superplane_canvas.test.name
  name   = "announce"

  connect {
    type = "stage"
    name = superplane_stage.build.name
  }

  noop {}
}
`, canvas)
}

// TestAccStagesDataSource: the stages of a canvas, sorted by name, with
// their ids, descriptions and executor types; a missing canvas is a 404.
func TestAccStagesDataSource(t *testing.T) {
	config := listStagesConfig(randName("acc-stages"))
	ds := "data.superplane_stages.test"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: config + `
data "superplane_stages" "test" {
  canvas     = superplane_canvas.test.name
  depends_on = [superplane_stage.build, superplane_stage.announce]
}
`,
				Check: tfresource.ComposeAggregateTestCheckFunc(
					tfresource.TestCheckResourceAttr(ds, "stages.#", "2"),
					tfresource.TestCheckResourceAttr(ds, "stages.0.name", "announce"),
					tfresource.TestCheckResourceAttrPair(ds, "stages.0.id", "superplane_stage.announce", "id"),
					tfresource.TestCheckResourceAttr(ds, "stages.1.name", "build"),
					tfresource.TestCheckResourceAttr(ds, "stages.1.description", "builds"),
					tfresource.TestCheckResourceAttr(ds, "stages.1.executor_type", "noop"),
					tfresource.TestCheckResourceAttr(ds, "stages.1.queue_length", "0"),
				),
			},
			{
				Config: config + `
data "superplane_stages" "missing" {
  canvas = "no-such-canvas-for-stages"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error listing stages.*404`),
			},
		},
	})
}

// waitExecutions polls (bounded) until the stage has n finished
// executions.
func waitExecutions(canvas, stage string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	for {
		list, err := acc.client.ListExecutions(ctx, canvas, stage, client.ExecutionQuery{Limit: 50})
		if err != nil {
			return err
		}
		done := 0
		for _, ex := range list.Executions {
			if ex.State == api.ExecutionStateFinished {
				done++
			}
		}
		if done >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d executions of %s finished in time", done, n, stage)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestAccExecutionsDataSource: three events run build three times; with
// one execution per API page, limit = 2 pages through to the two newest
// (newest first, with their outputs and events), and limit = 10 stops
// where the history ends.
func TestAccExecutionsDataSource(t *testing.T) {
	saved := executionsPage
	executionsPage = 1
	t.Cleanup(func() { executionsPage = saved })
	canvas := randName("acc-executions")
	config := listStagesConfig(canvas)
	ds := "data.superplane_executions.two"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					for i, v := range []string{"1.0.0", "1.0.1", "1.0.2"} {
						if err := postStageEvent(s, "superplane_event_source.hook", fmt.Sprintf(`{"version":%q}`, v)); err != nil {
							return err
						}
						// One at a time, so that newest first has one meaning.
						if err := waitExecutions(canvas, "build", i+1); err != nil {
							return err
						}
					}
					return nil
				},
			},
			{
				Config: config + `
data "superplane_executions" "two" {
  canvas = superplane_canvas.test.name
  stage  = superplane_stage.build.name
  limit  = 2
}

data "superplane_executions" "all" {
  canvas = superplane_canvas.test.name
  stage  = superplane_stage.build.name
  limit  = 10
}
`,
				Check: tfresource.ComposeAggregateTestCheckFunc(
					tfresource.TestCheckResourceAttr(ds, "executions.#", "2"),
					tfresource.TestCheckResourceAttr(ds, "executions.0.outputs.version", "1.0.2"),
					tfresource.TestCheckResourceAttr(ds, "executions.0.state", "finished"),
					tfresource.TestCheckResourceAttr(ds, "executions.0.result", "passed"),
					tfresource.TestCheckResourceAttrSet(ds, "executions.0.event_id"),
					tfresource.TestCheckResourceAttrSet(ds, "executions.0.finished_at"),
					tfresource.TestCheckResourceAttr(ds, "executions.1.outputs.version", "1.0.1"),
					tfresource.TestCheckResourceAttr("data.superplane_executions.all", "executions.#", "3"),
					tfresource.TestCheckResourceAttr(ds, "total_count", "3"),
					tfresource.TestCheckResourceAttr("data.superplane_executions.all", "executions.2.outputs.version", "1.0.0"),
				),
			},
			{
				Config: config + `
data "superplane_executions" "missing" {
  canvas = superplane_canvas.test.name
  stage  = "no-such-stage"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error listing executions.*404`),
			},
		},
	})
}

// TestAccServiceAccountsDataSource: two accounts appear in the list with
// their roles; their tokens are listed only when asked, by name and role,
// and nothing of a token's value reaches the data source.
func TestAccServiceAccountsDataSource(t *testing.T) {
	a, b := randName("acc-sas-a"), randName("acc-sas-b")
	config := fmt.Sprintf(`
resource "superplane_service_account" "a" {
  name        = %[1]q
  role        = "viewer"
  description = "reads"
}

resource "superplane_service_account" "b" {
  name = %[2]q
  role = "admin"
}

resource "superplane_service_account_token" "a" {
  service_account = superplane_service_account.a.id
  name            = "ci"
  expires_in      = "24h"
}

data "superplane_service_accounts" "plain" {
  depends_on = [superplane_service_account_token.a, superplane_service_account.b]
}

data "superplane_service_accounts" "with_tokens" {
  include_tokens = true
  depends_on     = [superplane_service_account_token.a, superplane_service_account.b]
}

locals {
  plain = { for s in data.superplane_service_accounts.plain.service_accounts : s.name => s }
  full  = { for s in data.superplane_service_accounts.with_tokens.service_accounts : s.name => s }
}

output "a_role" {
  value = local.plain[superplane_service_account.a.name].role
}

output "b_role" {
  value = local.plain[superplane_service_account.b.name].role
}

output "a_id_matches" {
  value = local.full[superplane_service_account.a.name].id == superplane_service_account.a.id
}

output "plain_tokens" {
  value = length(local.plain[superplane_service_account.a.name].tokens)
}

output "a_tokens" {
  value = join(",", [for t in local.full[superplane_service_account.a.name].tokens : "${t.name}:${t.role}:${t.id == superplane_service_account_token.a.id}"])
}

output "b_tokens" {
  value = length(local.full[superplane_service_account.b.name].tokens)
}
`, a, b)
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{{
			Config: config,
			Check: tfresource.ComposeAggregateTestCheckFunc(
				tfresource.TestCheckOutput("a_role", "viewer"),
				tfresource.TestCheckOutput("b_role", "admin"),
				tfresource.TestCheckOutput("a_id_matches", "true"),
				tfresource.TestCheckOutput("plain_tokens", "0"),
				tfresource.TestCheckOutput("a_tokens", "ci:viewer:true"),
				tfresource.TestCheckOutput("b_tokens", "0"),
				func(s *terraform.State) error {
					value := s.RootModule().Resources["superplane_service_account_token.a"].Primary.Attributes["value"]
					if value == "" {
						return fmt.Errorf("the token resource holds no value to look for")
					}
					for name, r := range s.RootModule().Resources {
						for k, v := range r.Primary.Attributes {
							if name != "superplane_service_account_token.a" && strings.Contains(v, value) {
								return fmt.Errorf("%s.%s holds the token's value", name, k)
							}
						}
					}
					return nil
				},
			),
		}},
	})
}
