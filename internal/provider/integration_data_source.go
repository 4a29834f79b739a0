package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &IntegrationDataSource{}
	_ datasource.DataSourceWithConfigure = &IntegrationDataSource{}
)

// NewIntegrationDataSource returns the superplane_integration data source.
func NewIntegrationDataSource() datasource.DataSource {
	return &IntegrationDataSource{}
}

// IntegrationDataSource looks up one integration by name. The token itself
// is never available: only the secret and key it is read from.
type IntegrationDataSource struct {
	client *client.Client
}

// IntegrationDataSourceModel is the superplane_integration data source.
type IntegrationDataSourceModel struct {
	Canvas       types.String `tfsdk:"canvas"`
	Name         types.String `tfsdk:"name"`
	ID           types.String `tfsdk:"id"`
	Description  types.String `tfsdk:"description"`
	Type         types.String `tfsdk:"type"`
	URL          types.String `tfsdk:"url"`
	Auth         types.Object `tfsdk:"auth"`
	AWS          types.Object `tfsdk:"aws"`
	Azure        types.Object `tfsdk:"azure"`
	GCP          types.Object `tfsdk:"gcp"`
	Datadog      types.Object `tfsdk:"datadog"`
	MongoDBAtlas types.Object `tfsdk:"mongodb_atlas"`
	Status       types.Object `tfsdk:"status"`
	CreatedAt    types.String `tfsdk:"created_at"`
}

// Metadata names the data source superplane_integration.
func (d *IntegrationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_integration"
}

// Schema describes the superplane_integration data source.
func (d *IntegrationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing integration by name and returns its settings, the secret " +
			"and key its token is read from (never the token), and the result of its last verification.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the integration belongs to; leave it out for an " +
					"organization integration.",
				Optional: true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The integration name.",
				Required:            true,
				Validators:          nameValidators(),
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The integration id.",
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "The description.",
				Computed:            true,
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "The tool: `github`, `semaphore`, `gitlab`, `bitbucket`, `aws`, `azure`, `gcp`, `azure_devops`, `datadog` or `mongodb_atlas`.",
				Computed:            true,
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "Where the tool is.",
				Computed:            true,
			},
			"auth": schema.SingleNestedAttribute{
				MarkdownDescription: "How the integration authenticates.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"token": schema.SingleNestedAttribute{
						MarkdownDescription: "Where the API token is kept.",
						Computed:            true,
						Attributes: map[string]schema.Attribute{
							"secret": schema.StringAttribute{
								MarkdownDescription: "Name of the secret holding the token.",
								Computed:            true,
							},
							"key": schema.StringAttribute{
								MarkdownDescription: "The key of the secret whose value is the token.",
								Computed:            true,
							},
							"scope": schema.StringAttribute{
								MarkdownDescription: "Where the secret is: `organization` or `canvas`.",
								Computed:            true,
							},
						},
					},
				},
			},
			"aws":           integrationAWSDataSourceAttribute(),
			"azure":         integrationAzureDataSourceAttribute(),
			"gcp":           integrationGCPDataSourceAttribute(),
			"datadog":       integrationDatadogDataSourceAttribute(),
			"mongodb_atlas": integrationAtlasDataSourceAttribute(),
			"status": schema.SingleNestedAttribute{
				MarkdownDescription: "The result of SuperPlane's last verification of the credentials.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"state": schema.StringAttribute{
						MarkdownDescription: "`ok`, `failed` or `unverified`.",
						Computed:            true,
					},
					"reason": schema.StringAttribute{
						MarkdownDescription: "`ok`, or why verification failed.",
						Computed:            true,
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
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *IntegrationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the integration up.
func (d *IntegrationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config IntegrationDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(config.Canvas)
	in, err := d.client.LookupIntegration(ctx, domainType, domainID, config.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error reading integration", err.Error())
		return
	}

	m, diags := integrationModelFrom(ctx, in, &IntegrationResourceModel{
		Canvas:       config.Canvas,
		Type:         types.StringNull(),
		URL:          types.StringNull(),
		Auth:         types.ObjectNull(integrationAuthAttrTypes),
		AWS:          types.ObjectNull(integrationAWSAttrTypes),
		Azure:        types.ObjectNull(integrationAzureAttrTypes),
		GCP:          types.ObjectNull(integrationGCPAttrTypes),
		Datadog:      types.ObjectNull(integrationDatadogAttrTypes),
		MongoDBAtlas: types.ObjectNull(integrationAtlasAttrTypes),
	})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, IntegrationDataSourceModel{
		Canvas:       config.Canvas,
		Name:         m.Name,
		ID:           m.ID,
		Description:  m.Description,
		Type:         m.Type,
		URL:          m.URL,
		Auth:         m.Auth,
		AWS:          m.AWS,
		Azure:        m.Azure,
		GCP:          m.GCP,
		Datadog:      m.Datadog,
		MongoDBAtlas: m.MongoDBAtlas,
		Status:       m.Status,
		CreatedAt:    m.CreatedAt,
	})...)
}
