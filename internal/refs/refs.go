// Package refs resolves the references a spec makes to stored records, the
// same way for the API (when it validates a spec) and for the engine (when
// it runs one), so that what was accepted is what runs.
package refs

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// StageSecret finds the secret a stage secret refers to: in the stage's
// canvas first, then in the organization, unless the reference names its
// domain. It checks the key exists.
func StageSecret(ctx context.Context, st store.Store, orgID, canvasID string, ref *api.ValueFromSecret) (store.Secret, error) {
	var domains [][2]string
	switch ref.DomainType {
	case api.DomainTypeCanvas:
		domains = [][2]string{{store.DomainCanvas, canvasID}}
	case api.DomainTypeOrganization:
		domains = [][2]string{{store.DomainOrganization, orgID}}
	case "", api.DomainTypeUnspecified:
		domains = [][2]string{{store.DomainCanvas, canvasID}, {store.DomainOrganization, orgID}}
	default:
		return store.Secret{}, fmt.Errorf("domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", ref.DomainType)
	}
	for _, d := range domains {
		sec, err := st.FindSecret(ctx, orgID, d[0], d[1], ref.Name)
		if err == nil {
			if !slices.Contains(sec.Keys, ref.Key) {
				return store.Secret{}, fmt.Errorf("key %q not found in secret %q", ref.Key, ref.Name)
			}
			return sec, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Secret{}, err
		}
	}
	return store.Secret{}, fmt.Errorf("secret %q not found", ref.Name)
}
