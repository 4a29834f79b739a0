package cli

import "github.com/superplane/terraform-provider-superplane/internal/api"

// awsIntegration writes the aws block of an aws integration: its region,
// the secret and keys of an access key pair or the role of web identity,
// and the role it chains to. Like a token, the key pair is named by secret
// and key only.
func (c *converter) awsIntegration(m *manifest, r *hclBlock, aws *api.AWSIntegration) error {
	if aws == nil {
		c.warnf(m, "an aws integration without spec.aws: add the aws block (region, and access_key or web_identity)")
		return nil
	}
	b := r.child("aws")
	b.str("region", aws.Region)
	if ak := aws.AccessKey; ak != nil {
		id, secret := awsKeyRef(ak.AccessKeyID), awsKeyRef(ak.SecretAccessKey)
		switch {
		case id == nil || secret == nil:
			c.warnf(m, "spec.aws.accessKey without accessKeyId and secretAccessKey from a secret: add aws.access_key")
		case id.Name != secret.Name || id.DomainType != secret.DomainType:
			// The provider keeps both halves in one secret.
			c.warnf(m, "spec.aws.accessKey takes its halves from two secrets (%q and %q): the provider takes both from one; aws.access_key names %q", id.Name, secret.Name, id.Name)
			fallthrough
		default:
			kb := b.child("access_key")
			secretCanvas, scope := m.canvas, scopeOf(id.DomainType)
			if scope == "organization" {
				secretCanvas = ""
			}
			kb.expr("secret", c.secretRef(secretCanvas, id.Name))
			kb.str("access_key_id_key", id.Key)
			kb.str("secret_access_key_key", secret.Key)
			if m.canvas != "" && scope == "organization" {
				kb.str("scope", scope)
			}
		}
	}
	if wi := aws.WebIdentity; wi != nil {
		b.child("web_identity").str("role_arn", wi.RoleARN)
	}
	if ar := aws.AssumeRole; ar != nil {
		ab := b.child("assume_role")
		ab.str("role_arn", ar.RoleARN)
		ab.str("external_id", ar.ExternalID)
		if ar.SessionDurationSeconds != 0 {
			ab.num("session_duration", int64(ar.SessionDurationSeconds))
		}
	}
	return nil
}

// awsKeyRef is the secret a half of an access key pair comes from; nil
// when the manifest does not name one.
func awsKeyRef(t *api.AuthToken) *api.ValueFromSecret {
	if t == nil || t.ValueFrom == nil || t.ValueFrom.Secret == nil || t.ValueFrom.Secret.Name == "" {
		return nil
	}
	return t.ValueFrom.Secret
}
