package sealer

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// AuthProviderSecretID is the id an auth provider's write-only client
// secret is sealed under (SealSecret, OpenSecret): a prefix no secret's id
// (a UUID) has, so the blob opens only as that provider's.
func AuthProviderSecretID(providerID string) string { return "auth-provider/" + providerID }

// errChanged skips a provider whose secret changed since it was read.
var errChanged = errors.New("changed meanwhile")

// rotateAuthProviderSecrets rewraps the auth providers' sealed client
// secrets under the active key, compare-and-swap on the ciphertext: an
// update racing it wins (it sealed under the active key anyway).
func rotateAuthProviderSecrets(ctx context.Context, st store.Store, ks *keyring.KeySource) (int, error) {
	ring := ks.Keyring()
	list, err := st.ListAuthProviders(ctx, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ap := range list {
		if len(ap.Ciphertext) == 0 || ap.KeyID == ring.ActiveID() {
			continue
		}
		blob, err := ring.Rewrap(ap.Ciphertext, secretAD(AuthProviderSecretID(ap.ID)))
		if err != nil {
			return n, fmt.Errorf("auth provider %s (key %s): %w", ap.ID, ap.KeyID, err)
		}
		_, err = st.UpdateAuthProvider(ctx, ap.OrgID, ap.ID, func(cur *store.AuthProvider) error {
			if !bytes.Equal(cur.Ciphertext, ap.Ciphertext) {
				return errChanged
			}
			cur.Ciphertext, cur.KeyID = blob, ring.ActiveID()
			return nil
		})
		switch {
		case errors.Is(err, errChanged), errors.Is(err, store.ErrNotFound):
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	return n, nil
}
