package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// cloudSpec is what a cloud type's typed settings say: the settings to
// store (secret references reduced to their keys: the secret itself is the
// integration's, by id), the secret they take credentials from (nil for
// web identity) and the auth type. Azure and GCP add a case to
// cloudSettings.
type cloudSpec struct {
	settings any
	secret   *api.ValueFromSecret
	// field names the secret reference in messages.
	field    string
	keys     []string
	authType string
}

// cloudSettings checks spec's typed settings for its cloud type.
func cloudSettings(spec *api.IntegrationSpec) (cloudSpec, error) {
	switch spec.Type {
	case api.IntegrationTypeAWS:
		if err := api.ValidateAWSIntegration("integration.spec.aws", spec.AWS); err != nil {
			return cloudSpec{}, Invalid("%s", err.Error())
		}
		stored := *spec.AWS
		if k := spec.AWS.AccessKey; k != nil {
			id, sk := k.AccessKeyID.ValueFrom.Secret, k.SecretAccessKey.ValueFrom.Secret
			stored.AccessKey = &api.AWSAccessKey{AccessKeyID: keyRef(id.Key), SecretAccessKey: keyRef(sk.Key)}
			return cloudSpec{settings: stored, secret: id, field: "integration.spec.aws.accessKey.accessKeyId.valueFrom.secret",
				keys: []string{id.Key, sk.Key}, authType: api.AuthTypeAccessKey}, nil
		}
		return cloudSpec{settings: stored, authType: api.AuthTypeWebIdentity}, nil
	case api.IntegrationTypeAzure:
		return azureCloudSpec(spec)
	case api.IntegrationTypeGCP:
		return gcpCloudSpec(spec)
	case api.IntegrationTypeDatadog:
		return datadogCloudSpec(spec)
	case api.IntegrationTypeMongoDBAtlas:
		return mongoDBAtlasCloudSpec(spec)
	}
	return cloudSpec{}, Invalid("integration.spec.type: integration type %q has no settings this server knows", spec.Type)
}

// keyRef is a stored secret reference: the key only.
func keyRef(key string) *api.AuthToken {
	return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Key: key}}}
}

// cloudSecretKeys are the keys of the integration's secret that its stored
// settings name: the only values decrypted for a call.
func cloudSecretKeys(in store.Integration) []string {
	if in.Type == api.IntegrationTypeAzure {
		return azureSecretKeys(in)
	}
	if in.Type == api.IntegrationTypeGCP {
		return gcpSecretKeys(in)
	}
	if in.Type == api.IntegrationTypeDatadog {
		return api.DatadogSecretKeys(in.Settings)
	}
	if in.Type == api.IntegrationTypeMongoDBAtlas {
		return mongoDBAtlasSecretKeys(in)
	}
	if in.Type == api.IntegrationTypeAWS {
		var a api.AWSIntegration
		if json.Unmarshal(in.Settings, &a) == nil && a.AccessKey != nil {
			var keys []string
			for _, ref := range []*api.AuthToken{a.AccessKey.AccessKeyID, a.AccessKey.SecretAccessKey} {
				if ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
					keys = append(keys, ref.ValueFrom.Secret.Key)
				}
			}
			return keys
		}
	}
	return nil
}

// resolveCloudSpec validates a cloud integration's spec: no URL, the
// type's settings, an auth.use (when given) that matches them, and the
// secret (when they use one) in a domain the integration may use, holding
// every key they name.
func (s *Integrations) resolveCloudSpec(ctx context.Context, p store.Principal, dt, did string, spec *api.IntegrationSpec) (integrationSpec, error) {
	typ, _ := s.Types.Lookup(spec.Type)
	if err := typ.ValidateURL("integration.spec.url", spec.URL); err != nil {
		return integrationSpec{}, Invalid("%s", err.Error())
	}
	cs, err := cloudSettings(spec)
	if err != nil {
		return integrationSpec{}, err
	}
	if spec.Auth != nil && spec.Auth.Use != "" && spec.Auth.Use != cs.authType {
		return integrationSpec{}, Invalid("integration.spec.auth.use %q does not match spec.%s: it uses %s (or leave auth out)", spec.Auth.Use, spec.Type, cs.authType)
	}
	settings, err := json.Marshal(cs.settings)
	if err != nil {
		return integrationSpec{}, err
	}
	out := integrationSpec{typ: spec.Type, authType: cs.authType, settings: settings}
	if cs.secret == nil {
		return out, nil
	}
	sec, err := s.findRefSecret(ctx, p, dt, did, cs.field, cs.secret)
	if err != nil {
		return integrationSpec{}, err
	}
	for _, k := range cs.keys {
		if !slices.Contains(sec.Keys, k) {
			return integrationSpec{}, NotFound("%s: key %q not found in secret %q", cs.field, k, sec.Name)
		}
	}
	out.secret, out.key = sec, cs.keys[0]
	return out, nil
}

// findRefSecret finds the secret ref names for an integration in domain
// (dt, did): a canvas integration may use its canvas's secret or the
// organization's, an organization integration only the organization's.
func (s *Integrations) findRefSecret(ctx context.Context, p store.Principal, dt, did, field string, ref *api.ValueFromSecret) (store.Secret, error) {
	secretDT, secretDID := dt, did
	switch ref.DomainType {
	case "", api.DomainTypeUnspecified:
	case api.DomainTypeOrganization:
		secretDT, secretDID = store.DomainOrganization, p.Organization.ID
	case api.DomainTypeCanvas:
		if dt != store.DomainCanvas {
			return store.Secret{}, Invalid("%s.domainType: an organization integration can only use an organization secret", field)
		}
	default:
		return store.Secret{}, Invalid("%s.domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", field, ref.DomainType)
	}
	sec, err := s.Store.FindSecret(ctx, p.Organization.ID, secretDT, secretDID, ref.Name)
	if isNotFound(err) {
		return store.Secret{}, NotFound("%s: secret %q not found", field, ref.Name)
	}
	return sec, err
}

// verifyCloud checks a cloud integration through its type: the secret's
// values it names are decrypted for this call only, and an ID token is
// minted on demand, with the integration's subject.
func (s *Integrations) verifyCloud(ctx context.Context, in *store.Integration) {
	if in.DomainType == store.DomainCanvas && in.CanvasName == "" {
		if c, err := s.Store.FindCanvas(ctx, in.OrgID, in.DomainID); err == nil {
			in.CanvasName = c.Name
		}
	}
	creds := integration.CloudCredentials{
		Settings: in.Settings,
		Subject:  oidc.IntegrationSubject(in.OrgName, in.CanvasName, in.Name),
	}
	if s.Issuer != nil {
		creds.IDToken = func(ctx context.Context, audience string) (string, error) {
			tok, err := s.Issuer.Mint(ctx, creds.Subject, audience)
			return tok.Raw, err
		}
	}
	if in.SecretID != "" {
		sec, err := s.Store.FindSecretByID(ctx, in.OrgID, in.SecretID)
		if err != nil {
			in.StatusReason = "the credentials' secret is gone"
			return
		}
		data, err := s.Secrets.Open(sec)
		if err != nil {
			s.Log.ErrorContext(ctx, "cannot open an integration's secret", slog.String("integration", in.ID), slog.String("error", err.Error()))
			in.StatusReason = "the credentials' secret cannot be decrypted"
			return
		}
		creds.Secret = map[string]string{}
		for _, k := range cloudSecretKeys(*in) {
			if v, ok := data[k]; ok {
				creds.Secret[k] = v
			}
		}
		clear(data)
		defer clear(creds.Secret)
	}
	res := s.Types.VerifyCloud(ctx, s.Tools, in.Type, creds)
	if res.OK {
		in.StatusState = api.IntegrationStateOK
	}
	in.StatusReason = res.Reason
}
