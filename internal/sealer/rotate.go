package sealer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// RotateKeys rewraps the data key of every secret, and of every event
// source's signing key, that is not under the active key. Data ciphertexts
// are not touched. Each record is swapped atomically (compare-and-swap on its
// ciphertext), so the run can be stopped and started again at any time and
// concurrent writes are never lost.
func RotateKeys(ctx context.Context, st store.Store, sl *Sealer, log *slog.Logger) (int, error) {
	ks := sl.keys
	const batch = 200
	rewrapped, stalls := 0, 0
	for pass := 0; pass < 100000; pass++ {
		ring := ks.Keyring()
		secs, err := st.SecretsNotUnderKey(ctx, ring.ActiveID(), batch)
		if err != nil {
			return rewrapped, err
		}
		if len(secs) == 0 {
			n, err := rotateSourceKeys(ctx, st, ks, log)
			if err != nil {
				return rewrapped + n, err
			}
			m, err := rotateOIDCKeys(ctx, st, ks)
			if err != nil {
				return rewrapped + n + m, err
			}
			a, err := rotateAuthProviderSecrets(ctx, st, ks)
			return rewrapped + n + m + a, err
		}
		progress := 0
		for _, sec := range secs {
			blob, err := ring.Rewrap(sec.Ciphertext, secretAD(sec.ID))
			if err != nil {
				return rewrapped, fmt.Errorf("secret %s (key %s): %w", sec.ID, sec.KeyID, err)
			}
			ok, err := st.RewrapSecret(ctx, sec.ID, sec.Ciphertext, blob, ring.ActiveID())
			if err != nil {
				return rewrapped, err
			}
			if ok {
				progress++
				rewrapped++
			}
		}
		log.InfoContext(ctx, "rewrapped data keys", slog.Int("done", rewrapped), slog.String("active_key", ring.ActiveID()))
		if progress == 0 {
			// Every secret we saw was rewritten meanwhile, still under an old
			// key: some server has not picked up the new keyring yet.
			stalls++
			if stalls > 50 {
				return rewrapped, errors.New("secrets keep being written under an old key: make every server use the new keyring, then run rotate again")
			}
			select {
			case <-ctx.Done():
				return rewrapped, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return rewrapped, errors.New("rotation did not finish")
}

// rotateSourceKeys rewraps event sources' signing keys (and a previous key
// still in its grace period) under the active key, with the same
// compare-and-swap discipline as secrets: a reset-key racing it wins.
func rotateSourceKeys(ctx context.Context, st store.Store, ks *keyring.KeySource, log *slog.Logger) (int, error) {
	rewrapped, stalls := 0, 0
	for pass := 0; pass < 100000; pass++ {
		ring := ks.Keyring()
		list, err := st.EventSourcesNotUnderKey(ctx, ring.ActiveID(), 200)
		if err != nil {
			return rewrapped, err
		}
		if len(list) == 0 {
			return rewrapped, nil
		}
		progress := 0
		for _, es := range list {
			key, err := ring.Rewrap(es.KeyCiphertext, sourceKeyAD(es.ID))
			if err != nil {
				return rewrapped, fmt.Errorf("event source %s (key %s): %w", es.ID, es.KeyID, err)
			}
			var prev []byte
			if len(es.PrevKeyCiphertext) > 0 {
				// A previous key that no longer opens has nothing left to
				// verify: it is dropped rather than blocking the rotation.
				prev, _ = ring.Rewrap(es.PrevKeyCiphertext, sourceKeyAD(es.ID))
			}
			ok, err := st.RewrapEventSourceKey(ctx, es.ID, es.KeyCiphertext, key, prev, ring.ActiveID())
			if err != nil {
				return rewrapped, err
			}
			if ok {
				progress++
				rewrapped++
			}
		}
		log.InfoContext(ctx, "rewrapped event source keys", slog.Int("done", rewrapped), slog.String("active_key", ring.ActiveID()))
		if progress == 0 {
			stalls++
			if stalls > 50 {
				return rewrapped, errors.New("event source keys keep being written under an old key: make every server use the new keyring, then run rotate again")
			}
			select {
			case <-ctx.Done():
				return rewrapped, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return rewrapped, errors.New("rotation of event source keys did not finish")
}

// KeyReport is what CheckKeys found: how many sealed records each key opened
// and every record that did not open. It holds no plaintext.
type KeyReport struct {
	// Opened counts the records opened per key id (read from each blob).
	Opened map[string]int
	// Failed lists the records that did not open, in the order read.
	Failed []KeyFailure
}

// KeyFailure is one sealed record the keyring could not open.
type KeyFailure struct {
	Kind  string // store.SealedSecret, store.SealedSourceKey, ...
	ID    string
	OrgID string
	Name  string
	KeyID string // from the blob's header, "" when the blob is malformed
	// Reason is the keyring's error: lengths, versions and key ids, never
	// key material or plaintext.
	Reason string
}

// CheckKeys opens every sealed record of the database with ring, as reading
// it would (with its associated data), and forgets the plaintext at once. It
// reads the database in pages, so a large one does not fill memory.
func CheckKeys(ctx context.Context, st store.SealedStore, ring *keyring.Keyring) (KeyReport, error) {
	rep := KeyReport{Opened: map[string]int{}}
	const page = 500
	for _, kind := range []string{store.SealedSecret, store.SealedSourceKey, store.SealedOIDCKey, store.SealedAuthProvider} {
		after := ""
		for pass := 0; ; pass++ {
			if pass > 10_000_000/page {
				return rep, fmt.Errorf("checking %ss did not finish", kind)
			}
			blobs, err := st.ListSealed(ctx, kind, after, page)
			if err != nil {
				return rep, err
			}
			if len(blobs) == 0 {
				break
			}
			for _, b := range blobs {
				ad := secretAD(b.ID)
				switch b.Kind {
				case store.SealedSourceKey, store.SealedSourcePrevKey:
					ad = sourceKeyAD(b.ID)
				case store.SealedOIDCKey:
					ad = oidcKeyAD(b.ID)
				case store.SealedAuthProvider:
					ad = secretAD(AuthProviderSecretID(b.ID))
				}
				keyID, _ := keyring.KeyID(b.Blob)
				plain, err := ring.Open(b.Blob, ad)
				clear(plain)
				if err != nil {
					rep.Failed = append(rep.Failed, KeyFailure{Kind: b.Kind, ID: b.ID, OrgID: b.OrgID, Name: b.Name, KeyID: keyID, Reason: err.Error()})
					continue
				}
				rep.Opened[keyID]++
			}
			after = blobs[len(blobs)-1].ID
		}
	}
	return rep, nil
}

// MissingKeys returns the key ids that sealed records of the database are
// under, as the rows record them, which ring does not hold, with how many
// records each. A server started with such a keyring could not read those
// secrets: it refuses to start instead. It reads one small aggregate, not
// the records.
func MissingKeys(ctx context.Context, st store.SealedStore, ring *keyring.Keyring) (map[string]int, error) {
	inUse, err := st.SealedKeyIDs(ctx)
	if err != nil {
		return nil, err
	}
	missing := map[string]int{}
	for id, n := range inUse {
		if !ring.Has(id) {
			missing[id] = n
		}
	}
	return missing, nil
}

// rotateOIDCKeys rewraps the OIDC issuer's signing keys under the active
// key (a handful of rows: the live keys only), compare-and-swap per key. A
// key that does not open stops the rotation, naming it, as a secret does.
func rotateOIDCKeys(ctx context.Context, st store.Store, ks *keyring.KeySource) (int, error) {
	ring := ks.Keyring()
	keys, err := st.ListOIDCKeys(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if k.KeyID == ring.ActiveID() {
			continue
		}
		blob, err := ring.Rewrap(k.Ciphertext, oidcKeyAD(k.Kid))
		if err != nil {
			return n, fmt.Errorf("OIDC signing key %s (key %s): %w", k.Kid, k.KeyID, err)
		}
		ok, err := st.RewrapOIDCKey(ctx, k.Kid, k.Ciphertext, blob, ring.ActiveID())
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
