package keyring

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// KeySource hands out the current keyring. A keyring read from a file is
// reloaded when the file changes, so `superplane-server keys rotate` can add
// a key while servers run: they start sealing with the new active key and
// still open everything sealed before.
type KeySource struct {
	path string

	mu      sync.Mutex
	ring    *Keyring
	modTime time.Time
	size    int64
}

// StaticKeys returns a source that always hands out ring (keys from the
// environment cannot change while the process runs).
func StaticKeys(ring *Keyring) *KeySource {
	return &KeySource{ring: ring}
}

// FileKeys returns a source over the key file at path.
func FileKeys(path string) (*KeySource, error) {
	ks := &KeySource{path: path}
	if err := ks.reload(true); err != nil {
		return nil, err
	}
	return ks, nil
}

// reload reads the key file when it changed since the last read (or always
// when force). A file that became unreadable keeps the previous keyring.
func (ks *KeySource) reload(force bool) error {
	if ks.path == "" {
		return nil
	}
	fi, err := os.Stat(ks.path)
	if err != nil {
		return fmt.Errorf("encryption key file: %w", err)
	}
	if !force && fi.ModTime().Equal(ks.modTime) && fi.Size() == ks.size {
		return nil
	}
	ring, err := Load(ks.path)
	if err != nil {
		return err
	}
	ks.ring, ks.modTime, ks.size = ring, fi.ModTime(), fi.Size()
	return nil
}

// Keyring returns the current keyring, reloading a changed key file.
func (ks *KeySource) Keyring() *Keyring {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	_ = ks.reload(false)
	return ks.ring
}

// Seal encrypts plaintext under the active key and returns the blob and the
// id of the key that wraps its data key.
func (ks *KeySource) Seal(plaintext, ad []byte) ([]byte, string, error) {
	ring := ks.Keyring()
	blob, err := ring.Seal(plaintext, ad)
	if err != nil {
		return nil, "", err
	}
	return blob, ring.ActiveID(), nil
}

// Open decrypts blob. A blob sealed under a key this keyring does not know
// yet triggers one forced reload of the key file first.
func (ks *KeySource) Open(blob, ad []byte) ([]byte, error) {
	plain, err := ks.Keyring().Open(blob, ad)
	if errors.Is(err, ErrUnknownKey) && ks.path != "" {
		ks.mu.Lock()
		rerr := ks.reload(true)
		ring := ks.ring
		ks.mu.Unlock()
		if rerr == nil {
			return ring.Open(blob, ad)
		}
	}
	return plain, err
}
