package store

import (
	"context"
	"time"
)

// OIDCKey is one signing key of the server's OIDC issuer: the private key
// sealed by the keyring (Ciphertext, under key-encryption key KeyID), the
// public key as a JSON Web Key. Kid is the key's id in the JWKS and the
// base of its associated data.
type OIDCKey struct {
	Kid        string
	Algorithm  string // RS256
	PublicJWK  []byte
	Ciphertext []byte
	KeyID      string
	CreatedAt  time.Time
}

// OIDCKeyStore is the part of Store that keeps the issuer's signing keys.
type OIDCKeyStore interface {
	// CreateOIDCKey inserts k. ErrConflict when its kid exists.
	CreateOIDCKey(ctx context.Context, k OIDCKey) error
	// ListOIDCKeys returns the signing keys, newest first, at most limit.
	ListOIDCKeys(ctx context.Context, limit int) ([]OIDCKey, error)
	// DeleteOIDCKeysBefore deletes the keys created before t, except the
	// newest key, and returns how many went.
	DeleteOIDCKeysBefore(ctx context.Context, t time.Time) (int, error)
	// RewrapOIDCKey replaces the sealed private key of kid when it still
	// equals oldBlob (compare-and-swap, for key rotation); it reports
	// whether it did.
	RewrapOIDCKey(ctx context.Context, kid string, oldBlob, newBlob []byte, newKeyID string) (bool, error)
}

const oidcKeyColumns = `id, algorithm, public_jwk, ciphertext, key_id, created_at`

// CreateOIDCKey inserts k.
func (s *db) CreateOIDCKey(ctx context.Context, k OIDCKey) error {
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO oidc_signing_keys (`+oidcKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`),
		k.Kid, k.Algorithm, blob(k.PublicJWK), blob(k.Ciphertext), k.KeyID, s.time(k.CreatedAt))
	switch s.d.classify(err) {
	case uniqueViolation, primaryKeyViolation:
		return Conflict("signing key %q already exists", k.Kid)
	}
	return wrap("create signing key", err)
}

// ListOIDCKeys returns the signing keys, newest first (ties by kid, so
// replicas agree on which one signs).
func (s *db) ListOIDCKeys(ctx context.Context, limit int) ([]OIDCKey, error) {
	if limit <= 0 {
		return []OIDCKey{}, nil
	}
	return queryAll(ctx, s, "list signing keys",
		`SELECT `+oidcKeyColumns+` FROM oidc_signing_keys ORDER BY created_at DESC, id DESC LIMIT ?`,
		func(row rowScanner) (OIDCKey, error) {
			var k OIDCKey
			err := row.Scan(&k.Kid, &k.Algorithm, blobColumn{&k.PublicJWK}, blobColumn{&k.Ciphertext}, &k.KeyID, timeColumn{&k.CreatedAt})
			return k, err
		}, limit)
}

// DeleteOIDCKeysBefore deletes keys created before t, never the newest.
func (s *db) DeleteOIDCKeysBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM oidc_signing_keys WHERE created_at < ?
		AND id <> (SELECT id FROM oidc_signing_keys ORDER BY created_at DESC, id DESC LIMIT 1)`), s.time(t))
	if err != nil {
		return 0, wrap("delete signing keys", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("delete signing keys", err)
}

// RewrapOIDCKey replaces the sealed private key of kid if it is still
// oldBlob.
func (s *db) RewrapOIDCKey(ctx context.Context, kid string, oldBlob, newBlob []byte, newKeyID string) (bool, error) {
	res, err := s.sql.ExecContext(ctx, s.q(`UPDATE oidc_signing_keys SET ciphertext = ?, key_id = ? WHERE id = ? AND ciphertext = ?`),
		blob(newBlob), newKeyID, kid, blob(oldBlob))
	if err != nil {
		return false, wrap("rewrap signing key", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("rewrap signing key", err)
}
