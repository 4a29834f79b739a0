package provider

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ provider.ProviderWithEphemeralResources  = &SuperplaneProvider{}
	_ ephemeral.EphemeralResource              = &ServiceAccountTokenEphemeral{}
	_ ephemeral.EphemeralResourceWithConfigure = &ServiceAccountTokenEphemeral{}
	_ ephemeral.EphemeralResourceWithClose     = &ServiceAccountTokenEphemeral{}
)

// EphemeralResources lists the ephemeral resource constructors (Terraform
// 1.10 and later).
func (p *SuperplaneProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewServiceAccountTokenEphemeral,
	}
}

// NewServiceAccountTokenEphemeral returns the ephemeral
// superplane_service_account_token.
func NewServiceAccountTokenEphemeral() ephemeral.EphemeralResource {
	return &ServiceAccountTokenEphemeral{}
}

// ServiceAccountTokenEphemeral creates a short-lived token of a service
// account when Terraform opens it and revokes it when Terraform closes it,
// so the token is never in a plan or state.
type ServiceAccountTokenEphemeral struct {
	client *client.Client
}

// ServiceAccountTokenEphemeralModel is the ephemeral token's data.
type ServiceAccountTokenEphemeralModel struct {
	ServiceAccount types.String `tfsdk:"service_account"`
	Name           types.String `tfsdk:"name"`
	ExpiresIn      types.String `tfsdk:"expires_in"`
	ID             types.String `tfsdk:"id"`
	Role           types.String `tfsdk:"role"`
	ExpiresAt      types.String `tfsdk:"expires_at"`
	Value          types.String `tfsdk:"value"`
}

// Defaults of the ephemeral token: a name that says where it came from,
// and a lifetime long enough for one run (it is revoked at the run's end
// anyway; the expiry bounds a run that never closes it).
const (
	ephemeralTokenName      = "terraform-ephemeral"
	ephemeralTokenExpiresIn = "1h"
)

// ephemeralTokenPrivate is what Close needs to revoke the token.
type ephemeralTokenPrivate struct {
	ServiceAccount string `json:"service_account"`
	ID             string `json:"id"`
}

const ephemeralTokenKey = "token"

// Metadata names the ephemeral resource superplane_service_account_token.
func (e *ServiceAccountTokenEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_token"
}

// Schema describes the ephemeral superplane_service_account_token.
func (e *ServiceAccountTokenEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived API token of a service account, created when Terraform opens it (each " +
			"plan and apply) and revoked when Terraform is done with it, so the token is never written to a plan or " +
			"state (Terraform 1.10 or later). Use it where ephemeral values are accepted: a provider block (another " +
			"`superplane` provider acting as the account), a write-only argument, or another ephemeral resource.",
		Attributes: map[string]schema.Attribute{
			"service_account": schema.StringAttribute{
				MarkdownDescription: "The id or name of the service account.",
				Required:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "A name for the token, shown while it is listed. Defaults to `\"" + ephemeralTokenName + "\"`.",
				Optional:            true,
				Computed:            true,
				Validators:          nameValidators(),
			},
			"expires_in": schema.StringAttribute{
				MarkdownDescription: "How long the token works if it is not revoked first, as a duration. Defaults " +
					"to `\"" + ephemeralTokenExpiresIn + "\"`; at most `\"8784h\"`.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{tokenLifetime()},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The token id (a UUID).",
				Computed:            true,
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The token's role: the account's.",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token stops working if it is not revoked first (RFC 3339).",
				Computed:            true,
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The token (`spt_...`). Sensitive.",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

// Configure takes the API client from the provider.
func (e *ServiceAccountTokenEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Open creates the token and keeps its id for Close.
func (e *ServiceAccountTokenEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m ServiceAccountTokenEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Name.IsNull() {
		m.Name = types.StringValue(ephemeralTokenName)
	}
	if m.ExpiresIn.IsNull() {
		m.ExpiresIn = types.StringValue(ephemeralTokenExpiresIn)
	}
	life, err := time.ParseDuration(m.ExpiresIn.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Invalid duration", err.Error())
		return
	}
	expires := time.Now().Add(life)
	tok, value, err := e.client.CreateServiceAccountToken(ctx, m.ServiceAccount.ValueString(), m.Name.ValueString(), &expires)
	if err != nil {
		resp.Diagnostics.AddError("Error creating service account token", err.Error())
		return
	}
	private, err := json.Marshal(ephemeralTokenPrivate{ServiceAccount: m.ServiceAccount.ValueString(), ID: tok.ID})
	if err != nil {
		resp.Diagnostics.AddError("Error keeping the token's id", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, ephemeralTokenKey, private)...)
	m.ID, m.Role, m.ExpiresAt = types.StringValue(tok.ID), types.StringValue(tok.Role), timeValue(tok.ExpiresAt)
	m.Value = types.StringValue(value)
	resp.Diagnostics.Append(resp.Result.Set(ctx, m)...)
}

// Close revokes the token; one already gone counts as revoked.
func (e *ServiceAccountTokenEphemeral) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, ephemeralTokenKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || len(raw) == 0 {
		return
	}
	var p ephemeralTokenPrivate
	if err := json.Unmarshal(raw, &p); err != nil {
		resp.Diagnostics.AddError("Error reading the token's id", err.Error())
		return
	}
	err := e.client.RevokeServiceAccountToken(ctx, p.ServiceAccount, p.ID)
	if client.IsUnauthorized(err) {
		// The provider's own token stopped working during the run (for
		// example it was this account's and the account was deleted, which
		// revoked this token too). Nothing more can be done; failing the
		// run after its changes were applied would not help.
		resp.Diagnostics.AddWarning("Ephemeral service account token not revoked",
			"The provider's token was refused when it revoked the ephemeral token "+p.ID+"; it stops working at its expiry "+
				"unless its account is deleted first: "+err.Error())
		return
	}
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error revoking the ephemeral service account token",
			"The token stays valid until its expiry unless it is revoked: "+err.Error())
		return
	}
	tflog.Debug(ctx, "revoked ephemeral service account token", map[string]any{"id": p.ID})
}
