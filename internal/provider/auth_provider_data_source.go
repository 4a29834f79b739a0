package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &AuthProviderDataSource{}
	_ datasource.DataSourceWithConfigure = &AuthProviderDataSource{}
)

// NewAuthProviderDataSource returns the superplane_auth_provider data
// source.
func NewAuthProviderDataSource() datasource.DataSource {
	return &AuthProviderDataSource{}
}

// AuthProviderDataSource looks up one auth provider by id or name.
type AuthProviderDataSource struct {
	client *client.Client
}

// AuthProviderDataSourceModel is the superplane_auth_provider data source.
type AuthProviderDataSourceModel struct {
	ID                  types.String `tfsdk:"id"`
	Name                types.String `tfsdk:"name"`
	Type                types.String `tfsdk:"type"`
	DisplayName         types.String `tfsdk:"display_name"`
	ClientID            types.String `tfsdk:"client_id"`
	ClientSecretName    types.String `tfsdk:"client_secret_name"`
	ClientSecretKey     types.String `tfsdk:"client_secret_key"`
	ClientSecretSet     types.Bool   `tfsdk:"client_secret_set"`
	DefaultRole         types.String `tfsdk:"default_role"`
	AllowedEmailDomains types.List   `tfsdk:"allowed_email_domains"`
	Tenant              types.String `tfsdk:"tenant"`
	HostedDomain        types.String `tfsdk:"hosted_domain"`
	AllowedOrganization types.String `tfsdk:"allowed_organization"`
	URL                 types.String `tfsdk:"url"`
	CreatedAt           types.String `tfsdk:"created_at"`
}

// Metadata names the data source superplane_auth_provider.
func (d *AuthProviderDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_auth_provider"
}

// Schema describes the superplane_auth_provider data source.
func (d *AuthProviderDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an auth provider of the organization by id or by name: its settings, never its client secret.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The auth provider id. Exactly one of `id` and `name` must be set.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name"))},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The auth provider name.",
				Optional:            true,
				Computed:            true,
			},
			"type":               computed("`github`, `entra`, `google`, `backstage` or `guest`."),
			"display_name":       computed("The sign-in button's label, or null for the type's name."),
			"client_id":          computed("The OAuth client id."),
			"client_secret_name": computed("The organization secret holding the client secret, or null."),
			"client_secret_key":  computed("The key of `client_secret_name`, or null."),
			"client_secret_set": schema.BoolAttribute{
				MarkdownDescription: "Whether a write-only client secret is stored (sealed; never answered).",
				Computed:            true,
			},
			"default_role": computed("The role of people first seen through this provider."),
			"allowed_email_domains": schema.ListAttribute{
				MarkdownDescription: "The email domains allowed to sign in, or null for any.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"tenant":               computed("`entra`: the tenant id."),
			"hosted_domain":        computed("`google`: the Workspace domain."),
			"allowed_organization": computed("`github`: the organization people must be active members of."),
			"url":                  computed("The Backstage base URL, or the provider's address override."),
			"created_at":           computed("When the provider was created (RFC 3339)."),
		},
	}
}

// Configure takes the API client from the provider.
func (d *AuthProviderDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the provider up.
func (d *AuthProviderDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config AuthProviderDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key := config.ID.ValueString()
	if key == "" {
		key = config.Name.ValueString()
	}
	a, err := d.client.GetAuthProvider(ctx, key)
	if err != nil {
		resp.Diagnostics.AddError("Error reading auth provider", err.Error())
		return
	}
	m := authProviderModelFrom(a, types.Int64Null(), &resp.Diagnostics)
	set := a.Spec.ClientSecret != nil && a.Spec.ClientSecret.ValueSet
	resp.Diagnostics.Append(resp.State.Set(ctx, AuthProviderDataSourceModel{
		ID: m.ID, Name: m.Name, Type: m.Type, DisplayName: m.DisplayName, ClientID: m.ClientID,
		ClientSecretName: m.ClientSecretName, ClientSecretKey: m.ClientSecretKey, ClientSecretSet: types.BoolValue(set),
		DefaultRole: m.DefaultRole, AllowedEmailDomains: m.AllowedEmailDomains, Tenant: m.Tenant, HostedDomain: m.HostedDomain,
		AllowedOrganization: m.AllowedOrganization, URL: m.URL, CreatedAt: m.CreatedAt,
	})...)
}
