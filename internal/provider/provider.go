// Package provider implements the superplane Terraform provider on
// terraform-plugin-framework (protocol 6). It holds schemas, models and the
// mapping between API objects and Terraform state; all HTTP goes through
// package client.
package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// Environment variables read when the provider block leaves an argument out.
const (
	EnvEndpoint = "SUPERPLANE_API_URL"
	EnvToken    = "SUPERPLANE_API_TOKEN"
)

var _ provider.Provider = &SuperplaneProvider{}

// New returns a constructor for the provider; version is the release
// version ("dev" for local builds, "test" in tests) and goes into the
// User-Agent header.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &SuperplaneProvider{version: version}
	}
}

// SuperplaneProvider is the superplane provider.
type SuperplaneProvider struct {
	version string
}

// SuperplaneProviderModel is the provider block.
type SuperplaneProviderModel struct {
	Endpoint types.String `tfsdk:"endpoint"`
	Token    types.String `tfsdk:"token"`
}

// Metadata sets the type name prefix of every resource: superplane_.
func (p *SuperplaneProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "superplane"
	resp.Version = p.version
}

// Schema describes the provider block.
func (p *SuperplaneProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages canvases, secrets, integrations, event sources and stages of a SuperPlane organization " +
			"through its v1 REST API. The API token decides the organization.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the SuperPlane API, for example `https://superplane.example.com`. " +
					"Defaults to the `" + EnvEndpoint + "` environment variable.",
				Optional: true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "API token. Defaults to the `" + EnvToken + "` environment variable, which keeps " +
					"the token out of configuration files.",
				Optional:  true,
				Sensitive: true,
			},
		},
	}
}

// Configure builds the API client and checks it once against GET
// /api/v1/me, so an unreachable server or a bad token fails with one clear
// message before any resource is touched. Nothing is read from local files,
// so the provider runs the same in Terraform Cloud.
func (p *SuperplaneProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config SuperplaneProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	endpoint := configOrEnv(config.Endpoint, EnvEndpoint, path.Root("endpoint"), "endpoint", resp)
	token := configOrEnv(config.Token, EnvToken, path.Root("token"), "token", resp)
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := client.New(client.Config{
		Endpoint:  endpoint,
		Token:     token,
		UserAgent: "terraform-provider-superplane/" + p.version,
		// One list per type and scope for the refreshes of a walk.
		NoSharedLists:   sharedListsOff(),
		SharedListAfter: sharedListAfter(),
		Logf: func(ctx context.Context, msg string, fields map[string]any) {
			tflog.Debug(ctx, msg, fields)
		},
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid SuperPlane API endpoint", err.Error())
		return
	}

	me, err := c.Me(ctx)
	switch {
	case client.IsUnauthorized(err):
		resp.Diagnostics.AddAttributeError(path.Root("token"), "SuperPlane rejected the API token",
			fmt.Sprintf("The server at %s answered 401 to GET /api/v1/me: the token is unknown, revoked or "+
				"expired. Check the token attribute or %s. (%v)", endpoint, EnvToken, err))
		return
	case err != nil:
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Cannot use the SuperPlane API",
			fmt.Sprintf("GET /api/v1/me on %s failed: %v. Check the endpoint attribute or %s and that the "+
				"server is running.", endpoint, err, EnvEndpoint))
		return
	}
	tflog.Debug(ctx, "configured SuperPlane client", map[string]any{
		"endpoint": endpoint, "organization_id": me.OrganizationID, "user_id": me.ID,
	})

	resp.ResourceData = c
	resp.DataSourceData = c
	resp.EphemeralResourceData = c
}

// configOrEnv returns the configured value of an argument or, when it is
// left out, the environment variable env. A value that is unknown (it comes
// from a resource not yet created) or missing everywhere is an error naming
// the attribute.
func configOrEnv(v types.String, env string, p path.Path, name string, resp *provider.ConfigureResponse) string {
	if v.IsUnknown() {
		resp.Diagnostics.AddAttributeError(p, fmt.Sprintf("Unknown SuperPlane API %s", name),
			fmt.Sprintf("The provider's %s must be known when Terraform plans: it cannot come from a resource "+
				"that is not created yet. Set it to a literal, a variable, or use %s.", name, env))
		return ""
	}
	if !v.IsNull() && v.ValueString() != "" {
		return v.ValueString()
	}
	if s := os.Getenv(env); s != "" {
		return s
	}
	resp.Diagnostics.AddAttributeError(p, fmt.Sprintf("Missing SuperPlane API %s", name),
		fmt.Sprintf("Set the provider's %s argument or the %s environment variable.", name, env))
	return ""
}

// Resources lists the resource constructors.
func (p *SuperplaneProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewCanvasResource,
		NewSecretResource,
		NewIntegrationResource,
		NewEventSourceResource,
		NewStageResource,
		NewConnectionGroupResource,
		NewServiceAccountResource,
		NewServiceAccountTokenResource,
		NewAuthProviderResource,
		NewRoleResource,
		NewUserGroupResource,
		NewCanvasMemberResource,
	}
}

// DataSources lists the data source constructors.
func (p *SuperplaneProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewCanvasDataSource,
		NewSecretDataSource,
		NewIntegrationDataSource,
		NewEventSourceDataSource,
		NewStageDataSource,
		NewConnectionGroupDataSource,
		NewAlertsDataSource,
		NewRejectionsDataSource,
		NewCanvasesDataSource,
		NewSecretsDataSource,
		NewStagesDataSource,
		NewExecutionsDataSource,
		NewServiceAccountDataSource,
		NewServiceAccountsDataSource,
		NewAuditEventsDataSource,
		NewAuthProviderDataSource,
		NewUsersDataSource,
		NewRolesDataSource,
	}
}

// clientFrom turns provider data into the API client. It returns nil
// without a diagnostic when data is nil, as during validation.
func clientFrom(data any, addError func(summary, detail string)) *client.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*client.Client)
	if !ok {
		addError("Unexpected provider data type",
			fmt.Sprintf("Expected *client.Client, got %T. Please report this issue to the provider developers.", data))
		return nil
	}
	return c
}
