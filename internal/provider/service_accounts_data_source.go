package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &ServiceAccountsDataSource{}
	_ datasource.DataSourceWithConfigure = &ServiceAccountsDataSource{}
)

// accountSummaryAttrTypes is one service account as
// superplane_service_accounts lists it.
var accountSummaryAttrTypes = map[string]attr.Type{
	"id":          types.StringType,
	"name":        types.StringType,
	"description": types.StringType,
	"role":        types.StringType,
	"created_at":  types.StringType,
	"tokens":      types.ListType{ElemType: types.ObjectType{AttrTypes: accountTokenAttrTypes}},
}

// NewServiceAccountsDataSource returns the superplane_service_accounts data
// source.
func NewServiceAccountsDataSource() datasource.DataSource {
	return &ServiceAccountsDataSource{}
}

// ServiceAccountsDataSource lists the organization's service accounts and,
// when asked, their tokens: what an owner reviews to find unused or
// expiring credentials.
type ServiceAccountsDataSource struct {
	client *client.Client
}

// ServiceAccountsDataSourceModel is the superplane_service_accounts data
// source.
type ServiceAccountsDataSourceModel struct {
	IncludeTokens   types.Bool `tfsdk:"include_tokens"`
	ServiceAccounts types.List `tfsdk:"service_accounts"`
}

// Metadata names the data source superplane_service_accounts.
func (d *ServiceAccountsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_accounts"
}

// Schema describes the superplane_service_accounts data source.
func (d *ServiceAccountsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the service accounts of the organization the API token belongs to, sorted by name, " +
			"and optionally their tokens (never their values). Owners and admins may read it.",
		Attributes: map[string]schema.Attribute{
			"include_tokens": schema.BoolAttribute{
				MarkdownDescription: "Also list each account's tokens (one more request per account). Default `false`.",
				Optional:            true,
			},
			"service_accounts": schema.ListNestedAttribute{
				MarkdownDescription: "The service accounts, sorted by name.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          str("The service account id."),
						"name":        str("The service account name."),
						"description": str("The description."),
						"role":        str("The role every token of the account carries: `owner`, `admin` or `viewer`."),
						"created_at":  str("When it was created (RFC 3339)."),
						"tokens": schema.ListNestedAttribute{
							MarkdownDescription: "The account's tokens, oldest first, expired ones included; empty unless `include_tokens` is true.",
							Computed:            true,
							NestedObject: schema.NestedAttributeObject{
								Attributes: map[string]schema.Attribute{
									"id":           str("The token id."),
									"name":         str("The token name."),
									"role":         str("The token's role (the account's)."),
									"created_at":   str("When it was created (RFC 3339)."),
									"expires_at":   str("When it expires (RFC 3339)."),
									"last_used_at": str("When it was last used (RFC 3339, recorded at most hourly); null if never."),
								},
							},
						},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *ServiceAccountsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists the accounts (and their tokens when asked), sorted by name so
// that a plan does not change when the server's order does.
func (d *ServiceAccountsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg ServiceAccountsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	accounts, err := d.client.ListServiceAccounts(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error listing service accounts", err.Error())
		return
	}
	tokenType := types.ObjectType{AttrTypes: accountTokenAttrTypes}
	items := make([]attr.Value, 0, len(accounts))
	for _, a := range accounts {
		if a.Metadata == nil {
			continue
		}
		tokens := []attr.Value{}
		if cfg.IncludeTokens.ValueBool() {
			list, err := d.client.ListServiceAccountTokens(ctx, a.Metadata.ID)
			if err != nil {
				resp.Diagnostics.AddError("Error listing the tokens of service account "+a.Metadata.Name, err.Error())
				return
			}
			for _, t := range list {
				tokens = append(tokens, accountTokenValue(t))
			}
		}
		role := ""
		if a.Spec != nil {
			role = a.Spec.Role
		}
		items = append(items, types.ObjectValueMust(accountSummaryAttrTypes, map[string]attr.Value{
			"id":          types.StringValue(a.Metadata.ID),
			"name":        types.StringValue(a.Metadata.Name),
			"description": types.StringValue(a.Metadata.Description),
			"role":        types.StringValue(role),
			"created_at":  timeValue(a.Metadata.CreatedAt),
			"tokens":      types.ListValueMust(tokenType, tokens),
		}))
	}
	sortByName(items)
	cfg.ServiceAccounts = types.ListValueMust(types.ObjectType{AttrTypes: accountSummaryAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}

// accountTokenValue is one listed token, as both service account data
// sources show it.
func accountTokenValue(t api.ServiceAccountToken) attr.Value {
	return types.ObjectValueMust(accountTokenAttrTypes, map[string]attr.Value{
		"id":           types.StringValue(t.ID),
		"name":         types.StringValue(t.Name),
		"role":         types.StringValue(t.Role),
		"created_at":   timeValue(t.CreatedAt),
		"expires_at":   timeValue(t.ExpiresAt),
		"last_used_at": timeValue(t.LastUsedAt),
	})
}
