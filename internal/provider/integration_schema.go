package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Schema describes superplane_integration.
func (r *IntegrationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane integration: the connection to a GitHub owner, a Semaphore " +
			"organization, a GitLab instance, a Bitbucket Cloud workspace, an AWS account, an Azure subscription, a Google Cloud project or an Azure DevOps organization that event sources and executors use. It authenticates with an API " +
			"token kept in a `superplane_secret`, or (`aws`) with a key pair kept in one or with SuperPlane's own " +
			"ID token (web identity, no AWS secret at all), or (`azure`) with a client secret kept in one or with a federated " +
			"credential and SuperPlane's ID token, or (`gcp`) with a service account key kept in one or with " +
			"Workload Identity Federation and SuperPlane's ID token; Terraform only names the secret and key, never the " +
			"credentials. SuperPlane " +
			"verifies the credentials with the tool on every create and update, and again whenever the " +
			"secret's values change; `status` shows the result. It belongs to the organization, or to one " +
			"canvas when `canvas` is set.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The integration id. It stays the same across renames.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the integration belongs to. Leave it out for an " +
					"organization integration. Changing it replaces the integration.",
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the integration, unique in its organization or canvas: 1 to 128 " +
					"letters, digits, `.`, `_` or `-`, and not a UUID. A rename is made in place and keeps the id.",
				Required:   true,
				Validators: nameValidators(),
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-form description. Changes are made in place. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "The tool: `github`, `semaphore`, `gitlab`, `bitbucket`, `aws`, `azure`, `gcp`, `azure_devops`, `datadog` or `mongodb_atlas`. Changing it replaces the integration.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "Where the tool is, checked against `type` when Terraform plans. For " +
					"`github`: `https://github.com/<owner>`, or a GitHub Enterprise Server URL " +
					"`https://<host>[/<owner>]`. For `semaphore`: `https://<organization>.semaphoreci.com`. " +
					"For `gitlab`: `https://gitlab.com`, or a self-managed instance `https://<host>[/<path>]` (its web " +
					"address, not `/api/v4`; the token, a personal, project or group access token, is sent as a Bearer token). " +
					"For `bitbucket`: `https://bitbucket.org/<workspace>` (Bitbucket Cloud). " +
					"For `azure_devops`: `https://dev.azure.com/<organization>`, or an Azure DevOps Server collection " +
					"`https://<host>[/<path>]/<collection>`. " +
					"https only, without a path beyond the owner, a query or credentials. Required for `github`, " +
					"`semaphore`, `gitlab`, `bitbucket` and `azure_devops`; leave it out for `aws` (the `aws` block's region says where AWS is), `azure`, `gcp`, `datadog` and `mongodb_atlas`.",
				Optional: true,
			},
			"verify": schema.BoolAttribute{
				MarkdownDescription: "Whether an apply must fail when SuperPlane cannot verify the credentials " +
					"(default `true`). A create that fails verification deletes the integration again, so " +
					"nothing is left behind; a failed update keeps the previous state. While the last " +
					"verification failed (for example after the token was rotated to a bad one), each plan " +
					"shows an update, and applying verifies again. With `false`, the result is only " +
					"reported in `status`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"status": schema.SingleNestedAttribute{
				MarkdownDescription: "The result of SuperPlane's last verification of the credentials. It is " +
					"refreshed on every read, so a change of the token secret shows up here.",
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"state": schema.StringAttribute{
						MarkdownDescription: "`ok`, `failed` or `unverified`.",
						Computed:            true,
					},
					"reason": schema.StringAttribute{
						MarkdownDescription: "`ok`, or why verification failed, quoting the tool where it " +
							"said (GitHub's `Bad credentials`). It never contains the token.",
						Computed: true,
					},
					"checked_at": schema.StringAttribute{
						MarkdownDescription: "When the credentials were last verified (RFC 3339).",
						Computed:            true,
					},
				},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the integration was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"aws":           integrationAWSBlock(),
			"azure":         integrationAzureBlock(),
			"gcp":           integrationGCPBlock(),
			"datadog":       integrationDatadogBlock(),
			"mongodb_atlas": integrationAtlasBlock(),
			"auth": schema.SingleNestedBlock{
				MarkdownDescription: "How the integration authenticates with the tool. Required for `github`, " +
					"`semaphore`, `gitlab`, `bitbucket` and `azure_devops` (a plan without it fails; listed as optional because Terraform cannot mark a " +
					"block as required); an `aws`, `azure`, `gcp`, `datadog` or `mongodb_atlas` integration uses its own block of that name instead.",
				Blocks: map[string]schema.Block{
					"token": schema.SingleNestedBlock{
						MarkdownDescription: "An API token, taken from a key of a secret. Required in `auth`.",
						Validators: []validator.Object{objectvalidator.AlsoRequires(
							path.MatchRelative().AtName("secret"), path.MatchRelative().AtName("key"))},
						Attributes: map[string]schema.Attribute{
							"secret": schema.StringAttribute{
								MarkdownDescription: "Name of the secret holding the token. Reference " +
									"`superplane_secret.<name>.name` so Terraform creates the secret first and " +
									"deletes it last.",
								Optional:   true,
								Validators: nameValidators(),
							},
							"key": schema.StringAttribute{
								MarkdownDescription: "The key of the secret whose value is the token. For `bitbucket` " +
									"the value is `<user>:<API token or app password>` (sent with HTTP basic " +
									"authentication; with an Atlassian API token the user is the account's email) or a " +
									"workspace, project or repository access token alone (sent as a Bearer token). For " +
									"`azure_devops` it is a personal access token (sent with HTTP basic authentication, " +
									"empty user) with the scopes Project and Team (read), Build (read & execute) and " +
									"Service Hooks (read & write).",
								Optional:   true,
								Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
							},
							"scope": schema.StringAttribute{
								MarkdownDescription: "Where the secret is: `organization` or `canvas` (the " +
									"integration's canvas; only for canvas integrations). Defaults to the " +
									"integration's own scope, so a canvas integration that uses an " +
									"organization secret sets `organization`.",
								Optional: true,
								Computed: true,
								Validators: []validator.String{
									stringvalidator.OneOf(scopeOrganization, scopeCanvas),
								},
								PlanModifiers: []planmodifier.String{defaultScope()},
							},
						},
					},
				},
			},
		},
	}
}
