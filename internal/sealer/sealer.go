// Package sealer seals and opens every kind of data the server keeps
// encrypted at rest: secret data, event sources' signing keys (the
// current one and a previous one still in its grace period) and the OIDC
// issuer's private signing keys.
//
// It is the only place that knows the associated data each kind is bound
// to, after HashiCorp Vault's barrier: callers name the record, never the
// bytes. The associated data is the record's immutable id behind a prefix
// per kind, never a name, so a rename needs no re-encryption and a blob
// copied to another row (or to a record of another kind) does not open.
// The prefixes and the blob layout (internal/keyring) are what every
// existing database holds: they never change.
package sealer

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
)

// Sealer seals with the active key of a key source and opens with any key
// it holds. It is safe for concurrent use.
type Sealer struct {
	keys *keyring.KeySource
}

// New returns a sealer over keys.
func New(keys *keyring.KeySource) *Sealer { return &Sealer{keys: keys} }

// Keyring returns the key source's current keyring (for reports and
// rotation; it seals nothing by itself with a chosen associated data).
func (s *Sealer) Keyring() *keyring.Keyring { return s.keys.Keyring() }

// secretAD is the associated data of a secret's ciphertext. It binds the
// ciphertext to the secret's immutable id, never to its name, so a rename
// needs no re-encryption and cannot leave the data unreadable, and a
// ciphertext copied to another row does not open.
func secretAD(id string) []byte { return []byte("superplane/secret/" + id) }

// sourceKeyAD is the associated data of an event source's sealed signing
// keys, current and previous alike.
func sourceKeyAD(id string) []byte { return []byte("superplane/event-source/" + id) }

// SealSecret seals the data map of the secret with id under a fresh data key
// and returns the blob and the id of the key that wraps its data key.
func (s *Sealer) SealSecret(id string, data map[string]string) ([]byte, string, error) {
	plain, err := json.Marshal(data)
	if err != nil {
		return nil, "", err
	}
	defer clear(plain)
	return s.keys.Seal(plain, secretAD(id))
}

// OpenSecret opens the data map of the secret with id. It is the only way
// back to a secret's plaintext.
func (s *Sealer) OpenSecret(id string, blob []byte) (map[string]string, error) {
	plain, err := s.keys.Open(blob, secretAD(id))
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	data := map[string]string{}
	if err := json.Unmarshal(plain, &data); err != nil {
		return nil, err
	}
	return data, nil
}

// RewrapStaleSecret rewraps the data key of a secret just written under
// keyID when the active key changed meanwhile (a rotation finished between
// the seal and the commit). stale is false when keyID is the active key, or
// one the keyring no longer holds; out is then nil.
func (s *Sealer) RewrapStaleSecret(id, keyID string, blob []byte) (out []byte, activeID string, stale bool, err error) {
	ring := s.keys.Keyring()
	if keyID == ring.ActiveID() || !ring.Has(keyID) {
		return nil, "", false, nil
	}
	out, err = ring.Rewrap(blob, secretAD(id))
	return out, ring.ActiveID(), true, err
}

// SealSourceKey seals the signing key of the event source with id and
// returns the blob and the id of the key that wraps its data key.
func (s *Sealer) SealSourceKey(id string, key []byte) ([]byte, string, error) {
	return s.keys.Seal(key, sourceKeyAD(id))
}

// RewrapSourceKey rewraps a signing key of the event source with id under
// the active key, as rotation does.
func (s *Sealer) RewrapSourceKey(id string, blob []byte) ([]byte, error) {
	return s.keys.Keyring().Rewrap(blob, sourceKeyAD(id))
}

// OpenSourceKey opens a signing key of the event source with id: its
// current key or its previous one, which are bound alike. The caller
// clears the returned key when done.
func (s *Sealer) OpenSourceKey(id string, blob []byte) ([]byte, error) {
	return s.keys.Open(blob, sourceKeyAD(id))
}

// oidcKeyAD is the associated data of a private signing key of the
// server's OIDC issuer, bound to its kid.
func oidcKeyAD(kid string) []byte { return []byte("superplane/oidc-signing-key/" + kid) }

// SealOIDCKey seals the private signing key (PKCS #8) of the OIDC issuer
// with key id kid and returns the blob and the id of the key that wraps its
// data key.
func (s *Sealer) SealOIDCKey(kid string, der []byte) ([]byte, string, error) {
	return s.keys.Seal(der, oidcKeyAD(kid))
}

// OpenOIDCKey opens the private signing key with key id kid. The caller
// clears the returned bytes when done.
func (s *Sealer) OpenOIDCKey(kid string, blob []byte) ([]byte, error) {
	return s.keys.Open(blob, oidcKeyAD(kid))
}
