package engine

import (
	"context"
	"fmt"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// cloudTypes finds the cloud integration types whose credentials sign a
// stage's http requests.
var cloudTypes = all.Registry()

// cloudSigner returns, for an http stage that names a cloud integration (an
// aws one), the function that signs its request, and the secret values it
// decrypted (to mask in what the execution records). The credentials are
// resolved per request and kept nowhere; ID tokens carry the stage's
// subject, org:<org>:canvas:<canvas>:stage:<stage>.
func (e *Engine) cloudSigner(ctx context.Context, in store.Integration, stage store.Stage, canvasID string, spec map[string]any) (func(context.Context, *http.Request, []byte) error, []string, error) {
	signer, ok := cloudTypes.CloudSigner(in.Type)
	if !ok {
		return nil, nil, fmt.Errorf("integration %s is a %s integration, which cannot sign http requests", in.Name, in.Type)
	}
	canvasName := ""
	if c, err := e.store.FindCanvas(ctx, in.OrgID, canvasID); err == nil {
		canvasName = c.Name
	}
	creds := integration.CloudCredentials{Settings: in.Settings, Subject: oidc.StageSubject(in.OrgName, canvasName, stage.Name)}
	issuer := &oidc.Issuer{URL: e.baseURL, Store: e.store, Sealer: e.seal, Now: e.now}
	creds.IDToken = func(ctx context.Context, audience string) (string, error) {
		tok, err := issuer.Mint(ctx, creds.Subject, audience)
		return tok.Raw, err
	}
	var values []string
	if in.SecretID != "" {
		sec, err := e.store.FindSecretByID(ctx, in.OrgID, in.SecretID)
		if err != nil {
			return nil, nil, fmt.Errorf("the credentials' secret of integration %s is gone", in.Name)
		}
		data, err := e.seal.OpenSecret(sec.ID, sec.Ciphertext)
		if err != nil {
			return nil, nil, fmt.Errorf("the credentials' secret of integration %s cannot be decrypted", in.Name)
		}
		creds.Secret = map[string]string{}
		for _, k := range cloudSecretKeys(in) {
			if v, ok := data[k]; ok {
				creds.Secret[k] = v
				values = append(values, v)
			}
		}
		clear(data)
	}
	opts := executor.SignOptions(spec)
	return func(ctx context.Context, req *http.Request, body []byte) error {
		return signer.SignRequest(ctx, e.tools, creds, req, body, opts)
	}, values, nil
}

// cloudSecretKeys are the keys of an integration's secret its settings
// name (aws: the two halves of the key pair).
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
	if in.Type != api.IntegrationTypeAWS {
		return nil
	}
	a, err := store.DecodeJSON[api.AWSIntegration]("integration", in.ID, "settings", in.Settings)
	if err != nil || a.AccessKey == nil {
		return nil
	}
	var keys []string
	for _, ref := range []*api.AuthToken{a.AccessKey.AccessKeyID, a.AccessKey.SecretAccessKey} {
		if ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
			keys = append(keys, ref.ValueFrom.Secret.Key)
		}
	}
	return keys
}

// stageIntegration finds a stage executor's integration as integrationToken
// does (the canvas's own first, then the organization's), without opening
// anything.
func (e *Engine) stageIntegration(ctx context.Context, orgID, canvasID string, ref *api.IntegrationRef) (store.Integration, error) {
	domains := [][2]string{{store.DomainCanvas, canvasID}, {store.DomainOrganization, orgID}}
	switch ref.DomainType {
	case api.DomainTypeCanvas:
		domains = domains[:1]
	case api.DomainTypeOrganization:
		domains = domains[1:]
	}
	for _, d := range domains {
		if in, err := e.store.FindIntegration(ctx, orgID, d[0], d[1], ref.Name); err == nil {
			return in, nil
		}
	}
	return store.Integration{}, fmt.Errorf("integration %s not found", ref.Name)
}
