package store_test

import (
	"testing"
)

// TestTryLock: while one store (one replica) holds a lock, another store on
// the same database cannot take it, a lock of another name is free, and
// once released the lock can be taken again.
func TestTryLock(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			a := mustOpen(t, u)
			b := a
			if name == "postgres" {
				b = mustOpen(t, u) // a second replica: its own pool
			}
			ctx := t.Context()
			unlock, ok, err := a.TryLock(ctx, "reconciler")
			if err != nil || !ok {
				t.Fatalf("first TryLock = %v, %v; want the lock", ok, err)
			}
			if _, ok, err := b.TryLock(ctx, "reconciler"); err != nil || ok {
				t.Fatalf("TryLock while held = %v, %v; want refused", ok, err)
			}
			other, ok, err := b.TryLock(ctx, "something-else")
			if err != nil || !ok {
				t.Fatalf("TryLock of another name = %v, %v; want the lock", ok, err)
			}
			other()
			unlock()
			again, ok, err := b.TryLock(ctx, "reconciler")
			if err != nil || !ok {
				t.Fatalf("TryLock after unlock = %v, %v; want the lock", ok, err)
			}
			again()
		})
	}
}
