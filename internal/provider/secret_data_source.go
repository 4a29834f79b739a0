package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &SecretDataSource{}
	_ datasource.DataSourceWithConfigure = &SecretDataSource{}
)

// NewSecretDataSource returns the superplane_secret data source.
func NewSecretDataSource() datasource.DataSource {
	return &SecretDataSource{}
}

// SecretDataSource looks up one secret by name. It never exposes values:
// the server does not return them.
type SecretDataSource struct {
	client *client.Client
}

// SecretDataSourceModel is the superplane_secret data source.
type SecretDataSourceModel struct {
	Canvas    types.String `tfsdk:"canvas"`
	Name      types.String `tfsdk:"name"`
	ID        types.String `tfsdk:"id"`
	Keys      types.Set    `tfsdk:"keys"`
	Version   types.Int64  `tfsdk:"version"`
	CreatedAt types.String `tfsdk:"created_at"`
}

// Metadata names the data source superplane_secret.
func (d *SecretDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

// Schema describes the superplane_secret data source.
func (d *SecretDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing secret by name and returns its id, key names and version. " +
			"Values are never returned.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the secret belongs to; leave it out for an " +
					"organization secret.",
				Optional: true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The secret name.",
				Required:            true,
				Validators:          nameValidators(),
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The secret id.",
				Computed:            true,
			},
			"keys": schema.SetAttribute{
				MarkdownDescription: "The key names of the secret.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"version": schema.Int64Attribute{
				MarkdownDescription: "The server's version of the values; it goes up on every change of the values.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the secret was created (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *SecretDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the secret up.
func (d *SecretDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config SecretDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(config.Canvas)
	s, err := d.client.LookupSecret(ctx, domainType, domainID, config.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error reading secret", err.Error())
		return
	}

	m := secretModelFrom(s, &SecretResourceModel{Canvas: config.Canvas})
	resp.Diagnostics.Append(resp.State.Set(ctx, SecretDataSourceModel{
		Canvas:    config.Canvas,
		Name:      m.Name,
		ID:        m.ID,
		Keys:      m.Keys,
		Version:   m.Version,
		CreatedAt: m.CreatedAt,
	})...)
}
