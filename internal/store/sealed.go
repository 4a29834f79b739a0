package store

import "context"

// Kinds of sealed records (SealedBlob.Kind).
const (
	SealedSecret        = "secret"
	SealedSourceKey     = "event source signing key"
	SealedSourcePrevKey = "event source previous signing key"
	SealedOIDCKey       = "OIDC signing key"
	// SealedAuthProvider is an auth provider's write-only client secret.
	SealedAuthProvider = "auth provider client secret"
)

// SealedStore reads every record the keyring sealed, so that an operator
// can check that the keys at hand open all of them, and a server can refuse
// to start with keys that cannot.
type SealedStore interface {
	// SealedKeyIDs counts the sealed records under each key-encryption key
	// id, as the rows record it (secrets and event source signing keys).
	// An empty map means the database holds no sealed data.
	SealedKeyIDs(ctx context.Context) (map[string]int, error)
	// ListSealed returns the sealed records of kind SealedSecret (one per
	// secret) or SealedSourceKey (each event source's signing key, followed
	// by its previous key when it has one), of the objects whose id comes
	// after afterID ("" for the start), in id order, from at most limit
	// objects. The caller continues from the last record's ID.
	ListSealed(ctx context.Context, kind, afterID string, limit int) ([]SealedBlob, error)
}

// SealedBlob is one sealed record: the object it belongs to and its blob.
type SealedBlob struct {
	Kind  string
	ID    string // the object's id, the base of the blob's associated data
	OrgID string
	Name  string
	KeyID string // the key id the row records
	Blob  []byte
}

// SealedKeyIDs counts sealed records per key id.
func (s *db) SealedKeyIDs(ctx context.Context) (map[string]int, error) {
	rows, err := s.sql.QueryContext(ctx, `SELECT key_id, COUNT(*) FROM secrets GROUP BY key_id
		UNION ALL SELECT key_id, COUNT(*) FROM event_sources WHERE key_id <> '' GROUP BY key_id
		UNION ALL SELECT key_id, COUNT(*) FROM oidc_signing_keys GROUP BY key_id
		UNION ALL SELECT key_id, COUNT(*) FROM auth_providers WHERE key_id <> '' GROUP BY key_id`)
	if err != nil {
		return nil, wrap("count sealed records", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, wrap("count sealed records", err)
		}
		out[id] += n
	}
	return out, wrap("count sealed records", rows.Err())
}

// ListSealed returns a page of sealed records of one kind.
func (s *db) ListSealed(ctx context.Context, kind, afterID string, limit int) ([]SealedBlob, error) {
	out := []SealedBlob{}
	if limit <= 0 {
		return out, nil
	}
	after := "00000000-0000-0000-0000-000000000000"
	if afterID != "" {
		var ok bool
		if after, ok = canonicalID(afterID); !ok {
			return nil, NotFound("%s %q not found", kind, afterID)
		}
	}
	var query string
	switch kind {
	case SealedSecret:
		query = `SELECT id, org_id, name, key_id, ciphertext, NULL FROM secrets WHERE id > ? ORDER BY id LIMIT ?`
	case SealedSourceKey:
		query = `SELECT id, org_id, name, key_id, key_ciphertext, prev_key_ciphertext FROM event_sources
			WHERE key_id <> '' AND id > ? ORDER BY id LIMIT ?`
	case SealedOIDCKey:
		// The issuer's keys belong to no organization; kid is a UUID.
		query = `SELECT id, '', 'signing key', key_id, ciphertext, NULL FROM oidc_signing_keys
			WHERE id > ? ORDER BY id LIMIT ?`
	case SealedAuthProvider:
		query = `SELECT id, org_id, name, key_id, ciphertext, NULL FROM auth_providers
			WHERE key_id <> '' AND id > ? ORDER BY id LIMIT ?`
	default:
		return nil, NotFound("no sealed records of kind %q", kind)
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), after, limit)
	if err != nil {
		return nil, wrap("list sealed records", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b SealedBlob
		var prev []byte
		if err := rows.Scan(&b.ID, &b.OrgID, &b.Name, &b.KeyID, blobColumn{&b.Blob}, blobColumn{&prev}); err != nil {
			return nil, wrap("list sealed records", err)
		}
		b.Kind = kind
		out = append(out, b)
		if len(prev) > 0 {
			p := b
			p.Kind, p.Blob, p.KeyID = SealedSourcePrevKey, prev, ""
			out = append(out, p)
		}
	}
	return out, wrap("list sealed records", rows.Err())
}
