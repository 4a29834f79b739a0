package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// The gcp block of superplane_integration: a project and either a service
// account's JSON key from a secret or Workload Identity Federation with
// SuperPlane's own ID token (optionally impersonating a service account).
// The key is named by secret and key only: Terraform never holds it.

var (
	integrationGCPKeyAttrTypes = map[string]attr.Type{
		"secret": types.StringType,
		"scope":  types.StringType,
		"key":    types.StringType,
	}
	integrationGCPWorkloadIdentityAttrTypes = map[string]attr.Type{
		"audience":        types.StringType,
		"service_account": types.StringType,
	}
	integrationGCPAttrTypes = map[string]attr.Type{
		"project_id":          types.StringType,
		"service_account_key": types.ObjectType{AttrTypes: integrationGCPKeyAttrTypes},
		"workload_identity":   types.ObjectType{AttrTypes: integrationGCPWorkloadIdentityAttrTypes},
	}
)

// integrationGCPModel is the gcp block.
type integrationGCPModel struct {
	ProjectID         types.String `tfsdk:"project_id"`
	ServiceAccountKey types.Object `tfsdk:"service_account_key"`
	WorkloadIdentity  types.Object `tfsdk:"workload_identity"`
}

// integrationGCPKeyModel is gcp.service_account_key.
type integrationGCPKeyModel struct {
	Secret types.String `tfsdk:"secret"`
	Scope  types.String `tfsdk:"scope"`
	Key    types.String `tfsdk:"key"`
}

// integrationGCPWorkloadIdentityModel is gcp.workload_identity.
type integrationGCPWorkloadIdentityModel struct {
	Audience       types.String `tfsdk:"audience"`
	ServiceAccount types.String `tfsdk:"service_account"`
}

// integrationGCPBlock is the resource's gcp block.
func integrationGCPBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "The settings of a `gcp` integration (set `type = \"gcp\"`, and no `url` or `auth`). " +
			"Set `service_account_key` (a service account's JSON key file kept in a `superplane_secret`) or " +
			"`workload_identity` (Workload Identity Federation with an ID token SuperPlane signs itself: no Google " +
			"secret is stored at all). SuperPlane verifies with an access token and a read of the project " +
			"(Cloud Resource Manager); `status.reason` then names the project and the identity.",
		Attributes: map[string]schema.Attribute{
			"project_id": schema.StringAttribute{
				MarkdownDescription: "The Google Cloud project id, such as `my-project-123`.",
				Optional:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"service_account_key": schema.SingleNestedBlock{
				MarkdownDescription: "A service account's JSON key file, the value of a key of a secret.",
				Attributes: map[string]schema.Attribute{
					"secret": schema.StringAttribute{
						MarkdownDescription: "Name of the secret holding the key file. Reference `superplane_secret.<name>.name`.",
						Optional:            true,
						Validators:          nameValidators(),
					},
					"key": schema.StringAttribute{
						MarkdownDescription: "The key of the secret whose value is the JSON key file.",
						Optional:            true,
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"scope": schema.StringAttribute{
						MarkdownDescription: "Where the secret is: `organization` or `canvas`. Defaults to the integration's own scope.",
						Optional:            true,
						Computed:            true,
						Validators:          []validator.String{stringvalidator.OneOf(scopeOrganization, scopeCanvas)},
						PlanModifiers:       []planmodifier.String{defaultScope()},
					},
				},
				Validators: []validator.Object{
					objectvalidator.AlsoRequires(path.MatchRelative().AtName("secret"), path.MatchRelative().AtName("key")),
				},
			},
			"workload_identity": schema.SingleNestedBlock{
				MarkdownDescription: "Workload Identity Federation: SuperPlane's ID token (issuer: the server's base " +
					"URL; audience `https:` followed by `audience`, the provider's default allowed audience; subject " +
					"`org:<org>:integration:<name>`, `org:<org>:canvas:<canvas>:integration:<name>`, or " +
					"`org:<org>:canvas:<canvas>:stage:<stage>` for a stage's requests) exchanged at Google STS. " +
					"Add the server as an OIDC provider of a workload identity pool.",
				Attributes: map[string]schema.Attribute{
					"audience": schema.StringAttribute{
						MarkdownDescription: "The provider's name: `//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`.",
						Optional:            true,
					},
					"service_account": schema.StringAttribute{
						MarkdownDescription: "Email of a service account to impersonate (the federated principal needs " +
							"`roles/iam.workloadIdentityUser` on it). Without it the federated token itself is used.",
						Optional: true,
					},
				},
			},
		},
	}
}

// integrationGCPDataSourceAttribute is the data source's gcp attribute.
func integrationGCPDataSourceAttribute() dsschema.SingleNestedAttribute {
	str := func(d string) dsschema.StringAttribute {
		return dsschema.StringAttribute{MarkdownDescription: d, Computed: true}
	}
	return dsschema.SingleNestedAttribute{
		MarkdownDescription: "The settings of a `gcp` integration (null for other types).",
		Computed:            true,
		Attributes: map[string]dsschema.Attribute{
			"project_id": str("The Google Cloud project id."),
			"service_account_key": dsschema.SingleNestedAttribute{
				MarkdownDescription: "Where the service account key is kept (null with workload identity).",
				Computed:            true,
				Attributes: map[string]dsschema.Attribute{
					"secret": str("Name of the secret holding the key file."),
					"scope":  str("Where the secret is: `organization` or `canvas`."),
					"key":    str("The key of the key file."),
				},
			},
			"workload_identity": dsschema.SingleNestedAttribute{
				MarkdownDescription: "Workload Identity Federation with SuperPlane's ID token.",
				Computed:            true,
				Attributes: map[string]dsschema.Attribute{
					"audience":        str("The workload identity provider."),
					"service_account": str("The service account impersonated, if any."),
				},
			},
		},
	}
}

// integrationGCPSpec builds spec.gcp from the plan's gcp block; nil when
// the block is absent.
func integrationGCPSpec(ctx context.Context, block types.Object, diags *diag.Diagnostics) *api.GCPIntegration {
	m := objectAs[integrationGCPModel](ctx, block, diags)
	if m == nil {
		return nil
	}
	out := &api.GCPIntegration{ProjectID: m.ProjectID.ValueString()}
	if k := objectAs[integrationGCPKeyModel](ctx, m.ServiceAccountKey, diags); k != nil {
		out.ServiceAccountKey = &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{
			DomainType: secretScopes[k.Scope.ValueString()], Name: k.Secret.ValueString(), Key: k.Key.ValueString(),
		}}}
	}
	if w := objectAs[integrationGCPWorkloadIdentityModel](ctx, m.WorkloadIdentity, diags); w != nil {
		out.WorkloadIdentity = &api.GCPWorkloadIdentity{Audience: w.Audience.ValueString(), ServiceAccount: w.ServiceAccount.ValueString()}
	}
	return out
}

// integrationGCPValue maps spec.gcp to the gcp block's value. The scope of
// a secret the server names without a domain comes from prior, else the
// integration's own scope.
func integrationGCPValue(ctx context.Context, g *api.GCPIntegration, prior types.Object, canvas types.String, diags *diag.Diagnostics) types.Object {
	if g == nil {
		return types.ObjectNull(integrationGCPAttrTypes)
	}
	key := types.ObjectNull(integrationGCPKeyAttrTypes)
	if k := g.ServiceAccountKey; k != nil && k.ValueFrom != nil && k.ValueFrom.Secret != nil {
		ref := k.ValueFrom.Secret
		scope := scopeOrganization
		switch ref.DomainType {
		case api.DomainTypeCanvas:
			scope = scopeCanvas
		case api.DomainTypeOrganization:
		default:
			if !canvas.IsNull() {
				scope = scopeCanvas
			}
			if pm := objectAs[integrationGCPModel](ctx, prior, diags); pm != nil {
				if pk := objectAs[integrationGCPKeyModel](ctx, pm.ServiceAccountKey, diags); pk != nil && isKnown(pk.Scope) {
					scope = pk.Scope.ValueString()
				}
			}
		}
		v, d := types.ObjectValue(integrationGCPKeyAttrTypes, map[string]attr.Value{
			"secret": types.StringValue(ref.Name), "scope": types.StringValue(scope), "key": types.StringValue(ref.Key),
		})
		diags.Append(d...)
		key = v
	}
	wif := types.ObjectNull(integrationGCPWorkloadIdentityAttrTypes)
	if w := g.WorkloadIdentity; w != nil {
		sa := types.StringNull()
		if w.ServiceAccount != "" {
			sa = types.StringValue(w.ServiceAccount)
		}
		v, d := types.ObjectValue(integrationGCPWorkloadIdentityAttrTypes, map[string]attr.Value{
			"audience": types.StringValue(w.Audience), "service_account": sa,
		})
		diags.Append(d...)
		wif = v
	}
	v, d := types.ObjectValue(integrationGCPAttrTypes, map[string]attr.Value{
		"project_id": types.StringValue(g.ProjectID), "service_account_key": key, "workload_identity": wif,
	})
	diags.Append(d...)
	return v
}

// gcpTFNames rewrites the API's field names in a rule's message as the gcp
// block spells them. The pool path in an example audience
// (".../workloadIdentityPools/...") is Google's, not a field: it is listed
// first so that the replacer, which tries its pairs in order, leaves it be.
func gcpTFNames(msg string) string {
	return strings.NewReplacer(
		"workloadIdentityPools", "workloadIdentityPools",
		"serviceAccountKey.valueFrom.secret.name", "service_account_key.secret",
		"serviceAccountKey.valueFrom.secret.key", "service_account_key.key",
		"workloadIdentity.serviceAccount", "workload_identity.service_account",
		"serviceAccountKey", "service_account_key", "workloadIdentity", "workload_identity", "projectId", "project_id",
	).Replace(msg)
}
