package store

import (
	"context"
)

// EventSourcesNotUnderKey returns up to limit event sources of any
// organization whose signing key is sealed under a key-encryption key other
// than keyID, in id order, for key rotation.
func (s *db) EventSourcesNotUnderKey(ctx context.Context, keyID string, limit int) ([]EventSource, error) {
	if limit <= 0 {
		return []EventSource{}, nil
	}
	return s.queryEventSources(ctx, "list event sources to rewrap", `WHERE es.key_id <> ? ORDER BY es.id LIMIT ?`, keyID, limit)
}

// RewrapEventSourceKey replaces the sealed signing key (and the sealed
// previous key, which may be nil) of source id, only if the stored signing
// key still equals oldKey: a concurrent reset-key wins and the caller tries
// again. Returns whether it replaced.
func (s *db) RewrapEventSourceKey(ctx context.Context, id string, oldKey, newKey, newPrevKey []byte, newKeyID string) (bool, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return false, nil
	}
	var prev any
	if len(newPrevKey) > 0 {
		prev = newPrevKey
	}
	res, err := s.sql.ExecContext(ctx, s.q(`UPDATE event_sources SET key_ciphertext = ?, prev_key_ciphertext = ?, key_id = ?
		WHERE id = ? AND key_ciphertext = ?`), newKey, prev, newKeyID, canonical, oldKey)
	if err != nil {
		return false, wrap("rewrap event source key", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("rewrap event source key", err)
	}
	return n == 1, nil
}
