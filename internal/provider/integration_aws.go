package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
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

// The aws block of superplane_integration: a region and either an access
// key pair from a secret or a role assumed with SuperPlane's own ID token
// (web identity), optionally chained to another role. Credentials are named
// by secret and key only: Terraform never holds them.

var (
	integrationAWSAccessKeyAttrTypes = map[string]attr.Type{
		"secret":                types.StringType,
		"scope":                 types.StringType,
		"access_key_id_key":     types.StringType,
		"secret_access_key_key": types.StringType,
	}
	integrationAWSWebIdentityAttrTypes = map[string]attr.Type{
		"role_arn": types.StringType,
	}
	integrationAWSAssumeRoleAttrTypes = map[string]attr.Type{
		"role_arn":         types.StringType,
		"external_id":      types.StringType,
		"session_duration": types.Int64Type,
	}
	integrationAWSAttrTypes = map[string]attr.Type{
		"region":       types.StringType,
		"access_key":   types.ObjectType{AttrTypes: integrationAWSAccessKeyAttrTypes},
		"web_identity": types.ObjectType{AttrTypes: integrationAWSWebIdentityAttrTypes},
		"assume_role":  types.ObjectType{AttrTypes: integrationAWSAssumeRoleAttrTypes},
	}
)

// integrationAWSModel is the aws block.
type integrationAWSModel struct {
	Region      types.String `tfsdk:"region"`
	AccessKey   types.Object `tfsdk:"access_key"`
	WebIdentity types.Object `tfsdk:"web_identity"`
	AssumeRole  types.Object `tfsdk:"assume_role"`
}

// integrationAWSAccessKeyModel is aws.access_key.
type integrationAWSAccessKeyModel struct {
	Secret             types.String `tfsdk:"secret"`
	Scope              types.String `tfsdk:"scope"`
	AccessKeyIDKey     types.String `tfsdk:"access_key_id_key"`
	SecretAccessKeyKey types.String `tfsdk:"secret_access_key_key"`
}

// integrationAWSWebIdentityModel is aws.web_identity.
type integrationAWSWebIdentityModel struct {
	RoleARN types.String `tfsdk:"role_arn"`
}

// integrationAWSAssumeRoleModel is aws.assume_role.
type integrationAWSAssumeRoleModel struct {
	RoleARN         types.String `tfsdk:"role_arn"`
	ExternalID      types.String `tfsdk:"external_id"`
	SessionDuration types.Int64  `tfsdk:"session_duration"`
}

// integrationAWSBlock is the resource's aws block.
func integrationAWSBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "The settings of an `aws` integration (set `type = \"aws\"`, and no `url` or `auth`). " +
			"Set `access_key` (an IAM user's key pair kept in a `superplane_secret`) or `web_identity` (a role " +
			"SuperPlane assumes with an ID token it signs itself: no AWS secret is stored at all), and optionally " +
			"`assume_role` to chain to a further role. SuperPlane verifies with STS `GetCallerIdentity`; " +
			"`status.reason` then names the account and ARN.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				MarkdownDescription: "The AWS region, such as `eu-west-1`: where STS is called and the default region of signed requests.",
				Optional:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"access_key": schema.SingleNestedBlock{
				MarkdownDescription: "An access key pair, both halves keys of one secret.",
				Attributes: map[string]schema.Attribute{
					"secret": schema.StringAttribute{
						MarkdownDescription: "Name of the secret holding the key pair. Reference `superplane_secret.<name>.name`.",
						Optional:            true,
						Validators:          nameValidators(),
					},
					"access_key_id_key": schema.StringAttribute{
						MarkdownDescription: "The key of the secret whose value is the access key id.",
						Optional:            true,
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"secret_access_key_key": schema.StringAttribute{
						MarkdownDescription: "The key of the secret whose value is the secret access key.",
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
					objectvalidator.AlsoRequires(path.MatchRelative().AtName("secret"), path.MatchRelative().AtName("access_key_id_key"),
						path.MatchRelative().AtName("secret_access_key_key")),
				},
			},
			"web_identity": schema.SingleNestedBlock{
				MarkdownDescription: "A role assumed with `AssumeRoleWithWebIdentity` and an ID token SuperPlane signs " +
					"(issuer: the server's base URL; audience `sts.amazonaws.com`; subject " +
					"`org:<org>:integration:<name>`, or `org:<org>:canvas:<canvas>:integration:<name>` for a canvas " +
					"integration). Register the server as an IAM OIDC identity provider and trust it in the role.",
				Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{
						MarkdownDescription: "The role's ARN, `arn:aws:iam::<account>:role/<name>`.",
						Optional:            true,
					},
				},
			},
			"assume_role": schema.SingleNestedBlock{
				MarkdownDescription: "A role assumed (`AssumeRole`) with the credentials above: role chaining.",
				Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{
						MarkdownDescription: "The role's ARN.",
						Optional:            true,
					},
					"external_id": schema.StringAttribute{
						MarkdownDescription: "The external id the role's trust policy requires, if any.",
						Optional:            true,
					},
					"session_duration": schema.Int64Attribute{
						MarkdownDescription: "The session's length in seconds: 900 to 43200, at most 3600 after " +
							"`web_identity` (AWS caps role chaining at one hour). Defaults to 3600.",
						Optional:   true,
						Validators: []validator.Int64{int64validator.Between(api.AWSMinSessionSeconds, api.AWSMaxSessionSeconds)},
					},
				},
			},
		},
	}
}

// integrationAWSDataSourceAttribute is the data source's aws attribute.
func integrationAWSDataSourceAttribute() dsschema.SingleNestedAttribute {
	str := func(d string) dsschema.StringAttribute {
		return dsschema.StringAttribute{MarkdownDescription: d, Computed: true}
	}
	return dsschema.SingleNestedAttribute{
		MarkdownDescription: "The settings of an `aws` integration (null for other types).",
		Computed:            true,
		Attributes: map[string]dsschema.Attribute{
			"region": str("The AWS region."),
			"access_key": dsschema.SingleNestedAttribute{
				MarkdownDescription: "Where the access key pair is kept (null with web identity).",
				Computed:            true,
				Attributes: map[string]dsschema.Attribute{
					"secret":                str("Name of the secret holding the key pair."),
					"scope":                 str("Where the secret is: `organization` or `canvas`."),
					"access_key_id_key":     str("The key of the access key id."),
					"secret_access_key_key": str("The key of the secret access key."),
				},
			},
			"web_identity": dsschema.SingleNestedAttribute{
				MarkdownDescription: "The role assumed with SuperPlane's ID token.",
				Computed:            true,
				Attributes:          map[string]dsschema.Attribute{"role_arn": str("The role's ARN.")},
			},
			"assume_role": dsschema.SingleNestedAttribute{
				MarkdownDescription: "The role chained to.",
				Computed:            true,
				Attributes: map[string]dsschema.Attribute{
					"role_arn":         str("The role's ARN."),
					"external_id":      str("The external id."),
					"session_duration": dsschema.Int64Attribute{MarkdownDescription: "The session's length in seconds.", Computed: true},
				},
			},
		},
	}
}

// integrationAWSSpec builds spec.aws from the plan's aws block; nil when
// the block is absent.
func integrationAWSSpec(ctx context.Context, block types.Object, diags *diag.Diagnostics) *api.AWSIntegration {
	m := objectAs[integrationAWSModel](ctx, block, diags)
	if m == nil {
		return nil
	}
	out := &api.AWSIntegration{Region: m.Region.ValueString()}
	if k := objectAs[integrationAWSAccessKeyModel](ctx, m.AccessKey, diags); k != nil {
		dt := secretScopes[k.Scope.ValueString()]
		ref := func(key string) *api.AuthToken {
			return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{DomainType: dt, Name: k.Secret.ValueString(), Key: key}}}
		}
		out.AccessKey = &api.AWSAccessKey{AccessKeyID: ref(k.AccessKeyIDKey.ValueString()), SecretAccessKey: ref(k.SecretAccessKeyKey.ValueString())}
	}
	if w := objectAs[integrationAWSWebIdentityModel](ctx, m.WebIdentity, diags); w != nil {
		out.WebIdentity = &api.AWSWebIdentity{RoleARN: w.RoleARN.ValueString()}
	}
	if r := objectAs[integrationAWSAssumeRoleModel](ctx, m.AssumeRole, diags); r != nil {
		out.AssumeRole = &api.AWSAssumeRole{RoleARN: r.RoleARN.ValueString(), ExternalID: r.ExternalID.ValueString(),
			SessionDurationSeconds: int(r.SessionDuration.ValueInt64())}
	}
	return out
}

// integrationAWSValue maps spec.aws to the aws block's value. The scope of
// a secret the server names without a domain comes from prior, else the
// integration's own scope.
func integrationAWSValue(ctx context.Context, a *api.AWSIntegration, prior types.Object, canvas types.String, diags *diag.Diagnostics) types.Object {
	if a == nil {
		return types.ObjectNull(integrationAWSAttrTypes)
	}
	accessKey := types.ObjectNull(integrationAWSAccessKeyAttrTypes)
	if k := a.AccessKey; k != nil && k.AccessKeyID != nil && k.AccessKeyID.ValueFrom != nil && k.AccessKeyID.ValueFrom.Secret != nil {
		id := k.AccessKeyID.ValueFrom.Secret
		skKey := ""
		if k.SecretAccessKey != nil && k.SecretAccessKey.ValueFrom != nil && k.SecretAccessKey.ValueFrom.Secret != nil {
			skKey = k.SecretAccessKey.ValueFrom.Secret.Key
		}
		scope := scopeOrganization
		switch id.DomainType {
		case api.DomainTypeCanvas:
			scope = scopeCanvas
		case api.DomainTypeOrganization:
		default:
			if !canvas.IsNull() {
				scope = scopeCanvas
			}
			if pm := objectAs[integrationAWSModel](ctx, prior, diags); pm != nil {
				if pk := objectAs[integrationAWSAccessKeyModel](ctx, pm.AccessKey, diags); pk != nil && isKnown(pk.Scope) {
					scope = pk.Scope.ValueString()
				}
			}
		}
		v, d := types.ObjectValue(integrationAWSAccessKeyAttrTypes, map[string]attr.Value{
			"secret": types.StringValue(id.Name), "scope": types.StringValue(scope),
			"access_key_id_key": types.StringValue(id.Key), "secret_access_key_key": types.StringValue(skKey),
		})
		diags.Append(d...)
		accessKey = v
	}
	webIdentity := types.ObjectNull(integrationAWSWebIdentityAttrTypes)
	if w := a.WebIdentity; w != nil {
		v, d := types.ObjectValue(integrationAWSWebIdentityAttrTypes, map[string]attr.Value{"role_arn": types.StringValue(w.RoleARN)})
		diags.Append(d...)
		webIdentity = v
	}
	assumeRole := types.ObjectNull(integrationAWSAssumeRoleAttrTypes)
	if r := a.AssumeRole; r != nil {
		ext, dur := types.StringNull(), types.Int64Null()
		if r.ExternalID != "" {
			ext = types.StringValue(r.ExternalID)
		}
		if r.SessionDurationSeconds != 0 {
			dur = types.Int64Value(int64(r.SessionDurationSeconds))
		}
		v, d := types.ObjectValue(integrationAWSAssumeRoleAttrTypes, map[string]attr.Value{
			"role_arn": types.StringValue(r.RoleARN), "external_id": ext, "session_duration": dur,
		})
		diags.Append(d...)
		assumeRole = v
	}
	v, d := types.ObjectValue(integrationAWSAttrTypes, map[string]attr.Value{
		"region": types.StringValue(a.Region), "access_key": accessKey, "web_identity": webIdentity, "assume_role": assumeRole,
	})
	diags.Append(d...)
	return v
}

// tfNames rewrites the API's field names in a rule's message as the aws
// block spells them.
func tfNames(msg string) string {
	return strings.NewReplacer(
		"webIdentity.roleArn", "web_identity.role_arn",
		"assumeRole.roleArn", "assume_role.role_arn",
		"assumeRole.externalId", "assume_role.external_id",
		"assumeRole.sessionDurationSeconds", "assume_role.session_duration",
		"accessKey.secretAccessKey.valueFrom.secret.key", "access_key.secret_access_key_key",
		"accessKeyId's key", "access_key_id_key",
		"accessKey", "access_key", "webIdentity", "web_identity", "assumeRole", "assume_role",
	).Replace(msg)
}

// objectKnown reports whether o and everything in it is known.
func objectKnown(o types.Object) bool {
	if o.IsUnknown() {
		return false
	}
	if o.IsNull() {
		return true
	}
	for _, v := range o.Attributes() {
		switch tv := v.(type) {
		case types.Object:
			if !objectKnown(tv) {
				return false
			}
		default:
			if v.IsUnknown() {
				return false
			}
		}
	}
	return true
}
