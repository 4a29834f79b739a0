package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &ServiceAccountDataSource{}
	_ datasource.DataSourceWithConfigure = &ServiceAccountDataSource{}
)

// NewServiceAccountDataSource returns the superplane_service_account data
// source.
func NewServiceAccountDataSource() datasource.DataSource {
	return &ServiceAccountDataSource{}
}

// ServiceAccountDataSource looks up one service account, with its tokens
// (never their values), by id or name.
type ServiceAccountDataSource struct {
	client *client.Client
}

// ServiceAccountDataSourceModel is the superplane_service_account data
// source.
type ServiceAccountDataSourceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Role        types.String `tfsdk:"role"`
	CreatedAt   types.String `tfsdk:"created_at"`
	Tokens      types.List   `tfsdk:"tokens"`
}

// accountTokenAttrTypes is one token as the data source lists it.
var accountTokenAttrTypes = map[string]attr.Type{
	"id":           types.StringType,
	"name":         types.StringType,
	"role":         types.StringType,
	"created_at":   types.StringType,
	"expires_at":   types.StringType,
	"last_used_at": types.StringType,
}

// Metadata names the data source superplane_service_account.
func (d *ServiceAccountDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

// Schema describes the superplane_service_account data source.
func (d *ServiceAccountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing service account by id or by name, with its tokens (never their values).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The service account id. Exactly one of `id` and `name` must be set.",
				Optional:            true,
				Computed:            true,
				Validators: []validator.String{
					stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
				},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The service account name.",
				Optional:            true,
				Computed:            true,
			},
			"description": computed("The account's description."),
			"role":        computed("The account's role: `owner`, `admin` or `viewer`."),
			"created_at":  computed("When the account was created (RFC 3339)."),
			"tokens": schema.ListNestedAttribute{
				MarkdownDescription: "The account's tokens, oldest first, expired ones included; never their values.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":           computed("The token id."),
					"name":         computed("The token's name."),
					"role":         computed("The token's role (the account's)."),
					"created_at":   computed("When the token was created (RFC 3339)."),
					"expires_at":   computed("When the token stops working (RFC 3339)."),
					"last_used_at": computed("When the token last authenticated a request (RFC 3339; recorded at most hourly), or null."),
				}},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *ServiceAccountDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the account and its tokens up.
func (d *ServiceAccountDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config ServiceAccountDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key := config.ID.ValueString()
	if key == "" {
		key = config.Name.ValueString()
	}
	a, err := d.client.GetServiceAccount(ctx, key)
	if err != nil {
		resp.Diagnostics.AddError("Error reading service account", err.Error())
		return
	}
	tokens, err := d.client.ListServiceAccountTokens(ctx, a.Metadata.ID)
	if err != nil {
		resp.Diagnostics.AddError("Error listing service account tokens", err.Error())
		return
	}
	items := make([]attr.Value, 0, len(tokens))
	for _, t := range tokens {
		items = append(items, accountTokenValue(t))
	}
	m := serviceAccountModelFrom(a)
	resp.Diagnostics.Append(resp.State.Set(ctx, ServiceAccountDataSourceModel{
		ID: m.ID, Name: m.Name, Description: m.Description, Role: m.Role, CreatedAt: m.CreatedAt,
		Tokens: types.ListValueMust(types.ObjectType{AttrTypes: accountTokenAttrTypes}, items),
	})...)
}
