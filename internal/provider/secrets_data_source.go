package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &SecretsDataSource{}
	_ datasource.DataSourceWithConfigure = &SecretsDataSource{}
)

// secretListAttrTypes is one secret as superplane_secrets shows it: never
// a value.
var secretListAttrTypes = map[string]attr.Type{
	"id":         types.StringType,
	"name":       types.StringType,
	"keys":       types.ListType{ElemType: types.StringType},
	"version":    types.Int64Type,
	"created_at": types.StringType,
}

// NewSecretsDataSource returns the superplane_secrets data source.
func NewSecretsDataSource() datasource.DataSource {
	return &SecretsDataSource{}
}

// SecretsDataSource lists the secrets of a scope.
type SecretsDataSource struct {
	client *client.Client
}

// SecretsDataSourceModel is the superplane_secrets data source.
type SecretsDataSourceModel struct {
	Canvas  types.String `tfsdk:"canvas"`
	Secrets types.List   `tfsdk:"secrets"`
}

// Metadata names the data source superplane_secrets.
func (d *SecretsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secrets"
}

// Schema describes the superplane_secrets data source.
func (d *SecretsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the secrets of a scope (the organization, or one canvas), sorted by name: " +
			"their names, ids, keys and versions. Values are never read: the API does not return them and " +
			"nothing secret reaches the state.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of a canvas to list that canvas's secrets; leave it out for the " +
					"organization's secrets.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"secrets": schema.ListNestedAttribute{
				MarkdownDescription: "The secrets, sorted by name.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":   schema.StringAttribute{MarkdownDescription: "The secret id.", Computed: true},
						"name": schema.StringAttribute{MarkdownDescription: "The secret name.", Computed: true},
						"keys": schema.ListAttribute{
							MarkdownDescription: "The names of its keys, sorted (not their values).",
							Computed:            true,
							ElementType:         types.StringType,
						},
						"version":    schema.Int64Attribute{MarkdownDescription: "Its version, raised by every change of its data; null on servers that do not report one.", Computed: true},
						"created_at": schema.StringAttribute{MarkdownDescription: "When it was created (RFC 3339).", Computed: true},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *SecretsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists the secrets of the scope; a missing canvas is an error.
func (d *SecretsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config SecretsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	domainType, domainID := secretDomain(config.Canvas)
	secrets, err := d.client.ListSecrets(ctx, domainType, domainID)
	if err != nil {
		resp.Diagnostics.AddError("Error listing secrets", err.Error())
		return
	}
	items := make([]attr.Value, 0, len(secrets))
	for i := range secrets {
		s := &secrets[i]
		if s.Metadata == nil {
			continue
		}
		keys := client.SecretKeys(s)
		elems := make([]attr.Value, len(keys))
		for j, k := range keys {
			elems[j] = types.StringValue(k)
		}
		version := types.Int64Null()
		if s.Metadata.Version > 0 {
			version = types.Int64Value(s.Metadata.Version)
		}
		items = append(items, types.ObjectValueMust(secretListAttrTypes, map[string]attr.Value{
			"id":         types.StringValue(s.Metadata.ID),
			"name":       types.StringValue(s.Metadata.Name),
			"keys":       types.ListValueMust(types.StringType, elems),
			"version":    version,
			"created_at": timeValue(s.Metadata.CreatedAt),
		}))
	}
	sortByName(items)
	resp.Diagnostics.Append(resp.State.Set(ctx, SecretsDataSourceModel{
		Canvas:  config.Canvas,
		Secrets: types.ListValueMust(types.ObjectType{AttrTypes: secretListAttrTypes}, items),
	})...)
}
