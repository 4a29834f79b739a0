package service

import (
	"context"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// maxKeptSources bounds the sources a server keeps in memory for its
// receivers; past it, one kept source is dropped for each new one.
const maxKeptSources = 1024

// keptSources are the sources the receivers last read, with their keys
// opened, by id: a delivery is verified and judged with the kept copy
// instead of a read of the source and two decryptions (issue 17, goal 3).
// A copy is never trusted for long: storing the event checks, in its own
// transaction, that the stored source still has the copy's keys, filters
// and scheme (store.Event.Verified), and a delivery the copy refuses is
// decided again on the stored source (LookupStored), so a key reset, a
// filter change or a deletion on any replica applies to the next delivery.
type keptSources struct {
	mu sync.Mutex
	m  map[string]keptSource
}

// keptSource is a source as FindEventSourceForDelivery read it, with its
// keys opened (prev nil when there is no previous key).
type keptSource struct {
	es        store.EventSource
	key, prev []byte
}

func (k *keptSources) get(id string) (keptSource, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.m[id]
	return s, ok
}

func (k *keptSources) keep(s keptSource) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]keptSource{}
	}
	if _, ok := k.m[s.es.ID]; !ok && len(k.m) >= maxKeptSources {
		for id := range k.m {
			delete(k.m, id)
			break
		}
	}
	k.m[s.es.ID] = s
}

func (k *keptSources) forget(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, id)
}

// receiverSource is s for a receiver at now: the previous key only during
// its grace period.
func (s keptSource) receiverSource(now time.Time) ReceiverSource {
	src := ReceiverSource{ID: s.es.ID, Type: s.es.Type, Keys: [][]byte{s.key}, Scheme: s.es.SignatureScheme, Source: s.es}
	if s.prev != nil && now.Before(s.es.PrevKeyExpiresAt) {
		src.Keys = append(src.Keys, s.prev)
	}
	return src
}

// Lookup returns the source with this id for a receiver, across
// organizations (a delivery carries no token), with its keys opened, as
// stored: it reads the source, and keeps what it read for LookupKept. An
// unknown id is the store's not-found error.
func (s *Events) Lookup(ctx context.Context, id string) (ReceiverSource, error) {
	es, err := s.Store.FindEventSourceForDelivery(ctx, id)
	if err != nil {
		if isNotFound(err) {
			s.kept.forget(id)
		}
		return ReceiverSource{}, err
	}
	key, err := s.Sealer.OpenSourceKey(es.ID, es.KeyCiphertext)
	if err != nil {
		s.kept.forget(id)
		return ReceiverSource{}, err
	}
	k := keptSource{es: es, key: key}
	if len(es.PrevKeyCiphertext) > 0 && s.Now().Before(es.PrevKeyExpiresAt) {
		if prev, err := s.Sealer.OpenSourceKey(es.ID, es.PrevKeyCiphertext); err == nil {
			k.prev = prev
		}
	}
	s.kept.keep(k)
	return k.receiverSource(s.Now()), nil
}

// LookupKept is Lookup answered from the copy the last Lookup of this id
// kept, when there is one (ReceiverSource.Kept set); see keptSources for
// why that copy cannot outlive a change of the source.
func (s *Events) LookupKept(ctx context.Context, id string) (ReceiverSource, error) {
	if k, ok := s.kept.get(id); ok {
		src := k.receiverSource(s.Now())
		src.Kept = true
		return src, nil
	}
	return s.Lookup(ctx, id)
}
