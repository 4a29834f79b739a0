package provider

import (
	"fmt"
	"os"
	"regexp"
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
	fakeaws "github.com/superplane/terraform-provider-superplane/internal/fake/aws"
)

// awsSecretConfig is a secret holding an access key pair, write-only, so
// it never reaches the state.
func awsSecretConfig(secretName, keyID, secretKey string, version int) string {
	return fmt.Sprintf(`resource "superplane_secret" "aws" {
  name            = %q
  data_wo         = { access_key_id = %q, secret_access_key = %q }
  data_wo_version = %d
}
`, secretName, keyID, secretKey, version)
}

// awsKeyConfig is that secret and an aws integration that uses it.
func awsKeyConfig(name, secretName, keyID, secretKey string, version int) string {
	return awsSecretConfig(secretName, keyID, secretKey, version) + fmt.Sprintf(`
resource "superplane_integration" "test" {
  name = %q
  type = "aws"
  aws {
    region = "eu-west-1"
    access_key {
      secret                = superplane_secret.aws.name
      access_key_id_key     = "access_key_id"
      secret_access_key_key = "secret_access_key"
    }
  }
}
`, name)
}

// awsWebIdentityConfig is an aws integration with no AWS secret at all:
// SuperPlane's own ID token, exchanged for the role, chained to another.
func awsWebIdentityConfig(name, role, chained string) string {
	return fmt.Sprintf(`resource "superplane_integration" "test" {
  name = %q
  type = "aws"
  aws {
    region = "us-east-1"
    web_identity {
      role_arn = %q
    }
    assume_role {
      role_arn         = %q
      external_id      = "superplane-acc"
      session_duration = 900
    }
  }
}
`, name, role, chained)
}

// awsStageConfig is a canvas with a webhook source and an http stage whose
// request (a Lambda invoke on the fake) the aws integration signs.
func awsStageConfig(canvas, url string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "aws" {
  name = %q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.aws.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "invoke" {
  canvas = superplane_canvas.aws.name
  name   = "invoke"
  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }
  http {
    url         = %q
    integration = superplane_integration.test.name
    aws_service = "lambda"
    payload     = { version = "1.2.3" }
  }
}
`, canvas, url)
}

// TestAccIntegrationAWS: an aws integration from Terraform against the fake
// STS. With a key pair kept write-only in a secret, it verifies
// (GetCallerIdentity, SigV4 checked by the fake) and status names the
// account and ARN; it imports; a second plan is empty. Rotating the secret
// to a wrong key makes the next plan re-verify and fail with AWS's own
// error. Then the same integration moves to web identity: no AWS secret,
// the fake checks the server's ID token against its JWKS and the chained
// role's external id. The harness's leak check keeps the secret access key
// out of the state, the server log and the data dir.
func TestAccIntegrationAWS(t *testing.T) {
	name := randName("acc-aws")
	secretName := randName("acc-aws-keys")
	keyID := "AKIAACCTESTKEY000001"
	secretKey := writeOnlyValue()
	role := "arn:aws:iam::210987654321:role/superplane-acc"
	chained := "arn:aws:iam::210987654321:role/deploy"
	if acc.aws != nil {
		acc.aws.AddUser(fakeaws.User{AccessKeyID: keyID, SecretAccessKey: secretKey, Account: "210987654321", Name: "acc"})
		acc.aws.AddRole(fakeaws.Role{ARN: role, Issuer: os.Getenv(EnvEndpoint), Audience: api.AWSAudience, Subject: "org:*"})
		acc.aws.AddRole(fakeaws.Role{ARN: chained, ExternalID: "superplane-acc"})
	}
	org := api.DomainTypeOrganization
	canvas := randName("acc-aws-canvas")
	lambdaURL := ""
	if acc.aws != nil {
		lambdaURL = acc.aws.URL() + "/2015-03-31/functions/deploy/invocations"
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
		Steps: []tfresource.TestStep{
			{
				Config: awsKeyConfig(name, secretName, keyID, secretKey, 1),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("aws").AtMapKey("access_key").AtMapKey("scope"), knownvalue.StringExact("organization")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(integrationAddr, "url", knownvalue.Null()),
					stateValue(integrationAddr, "auth", knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"),
						knownvalue.StringExact("ok: account 210987654321, arn:aws:iam::210987654321:user/acc")),
					sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
				},
				Check: checkNoWriteOnlyValues("superplane_secret.aws", secretKey),
			},
			{
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     "organization/" + name,
				ImportStateVerify: true,
			},
			{
				// A wrong secret access key in the secret: SuperPlane
				// re-verifies on the secret's change, and the next plan
				// shows the integration to verify again.
				Config:             awsKeyConfig(name, secretName, keyID, "wrong"+secretKey, 2),
				Check:              checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateFailed, "SignatureDoesNotMatch")),
				ExpectNonEmptyPlan: true,
			},
			{
				// Applying verifies again and fails with AWS's own words.
				Config:      awsKeyConfig(name, secretName, keyID, "wrong"+secretKey, 2),
				ExpectError: wordsRegexp("SignatureDoesNotMatch: The request signature we calculated does not match"),
			},
			{
				// The secret stays (unused) so its deletion cannot race the
				// integration's move away from it.
				Config: awsSecretConfig(secretName, keyID, "wrong"+secretKey, 2) + awsWebIdentityConfig(name, role, chained),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"), knownvalue.StringRegexp(
						regexp.MustCompile("^"+regexp.QuoteMeta("ok: account 210987654321, arn:aws:sts::210987654321:assumed-role/deploy/org.")))),
					sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
				},
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A stage signs its Lambda call with the integration: the
				// fake checks the SigV4 signature made with the session
				// the stage's own ID token was exchanged for.
				Config: awsSecretConfig(secretName, keyID, "wrong"+secretKey, 2) + awsWebIdentityConfig(name, role, chained) +
					awsStageConfig(canvas, lambdaURL),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("superplane_stage.invoke", tfjsonpath.New("http").AtMapKey("integration"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("superplane_stage.invoke", tfjsonpath.New("http").AtMapKey("aws_service"), knownvalue.StringExact("lambda")),
				},
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"refs/heads/main"}`); err != nil {
						return err
					}
					ex, _, err := waitStageExecution(canvas, "invoke")
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed {
						return fmt.Errorf("execution %s: %s", ex.Result, ex.ResultMessage)
					}
					for _, c := range acc.aws.Calls() {
						if c.Action == "service" && c.Path == "/2015-03-31/functions/deploy/invocations" && c.Error == "" && c.Service == "lambda" {
							return nil
						}
					}
					return fmt.Errorf("the fake saw no signed Lambda call: %+v", acc.aws.Calls())
				},
			},
			{
				ResourceName:      "superplane_stage.invoke",
				ImportState:       true,
				ImportStateId:     canvas + "/invoke",
				ImportStateVerify: true,
				// The state was written before the execution ran.
				ImportStateVerifyIgnore: []string{"last_execution"},
			},
		},
	})
}
