package keyring

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// Load reads a keyring file in the format of Parse. Errors name the file and
// never contain key material; malformed content wraps ErrInvalidKeyring.
func Load(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring file %s: %w", path, err)
	}
	defer clear(b)
	k, err := parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("keyring file %s: %w", path, err)
	}
	return k, nil
}

// NewKeySpec returns a keyring entry "id:base64" for a new random 32-byte
// key. The id is "k", the UTC time as yyyymmddhhmmss, "-" and 4 random hex
// digits, so ids sort by creation time and two keys made in the same second
// still differ.
func NewKeySpec() (string, error) {
	var suffix [2]byte
	var key [keySize]byte
	defer clear(key[:])
	rand.Read(suffix[:]) // never fails: it crashes the process instead
	rand.Read(key[:])
	id := "k" + time.Now().UTC().Format("20060102150405") + "-" + hex.EncodeToString(suffix[:])
	return id + ":" + base64.StdEncoding.EncodeToString(key[:]), nil
}

// EnsureFile creates a keyring file holding one new key unless path already
// exists, in which case it is left alone (and not validated: Load does that).
// The file is created with O_EXCL and mode 0600; a missing parent directory
// is created with mode 0700. created reports whether this call wrote the file.
func EnsureFile(path string) (created bool, err error) {
	if _, err := os.Lstat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("keyring file %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("keyring file %s: create directory: %w", path, err)
	}
	spec, err := NewKeySpec()
	if err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil // another process won the race; its file stands
	}
	if err != nil {
		return false, fmt.Errorf("keyring file %s: %w", path, err)
	}
	if err := writeSynced(f, spec+"\n"); err != nil {
		_ = os.Remove(path)
		return false, fmt.Errorf("keyring file %s: %w", path, err)
	}
	syncDir(dir)
	return true, nil
}

// PrependNewKey generates a key and rewrites the keyring file with it as the
// first (active) entry, followed by the file's previous content unchanged, so
// every old key stays available to open existing blobs. The file must already
// hold a valid keyring. The rewrite is atomic: a 0600 temporary file in the
// same directory is written, fsynced and renamed over path, so a crash leaves
// either the old or the new file, never a torn one. The result has mode 0600.
//
// Concurrent calls on one file are not serialised: run rotation from one place.
// Processes that loaded the file earlier keep sealing under the old key until
// they load it again; that is safe, since the old key is still in the file.
func PrependNewKey(path string) (newID string, err error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("keyring file %s: %w", path, err)
	}
	defer clear(old)
	current, err := parse(string(old))
	if err != nil {
		return "", fmt.Errorf("keyring file %s: refusing to rewrite: %w", path, err)
	}

	var spec string
	for range 5 { // an id collision needs the same second and suffix; retrying is plenty
		spec, err = NewKeySpec()
		if err != nil {
			return "", err
		}
		newID, _, _ = strings.Cut(spec, ":")
		if !current.Has(newID) {
			break
		}
		newID = ""
	}
	if newID == "" {
		return "", fmt.Errorf("keyring file %s: could not pick an unused key id", path)
	}

	content := make([]byte, 0, len(spec)+1+len(old)+1)
	content = append(content, spec...)
	content = append(content, '\n')
	content = append(content, old...)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		content = append(content, '\n')
	}
	defer clear(content)

	if err := replaceFile(path, content); err != nil {
		return "", err
	}
	return newID, nil
}

// ErrActiveKey means RemoveKey was asked for the active key, which seals
// every new value: another key must be made active first (keys rotate).
var ErrActiveKey = errors.New("keyring: the active key cannot be removed")

// RemoveKey rewrites the keyring file without the key id, atomically as
// PrependNewKey does, leaving the other entries in their order (one a
// line). It refuses the active key and an id the file does not hold
// (ErrUnknownKey). Whether anything is still sealed under id is the
// caller's to check first: the file alone cannot tell.
func RemoveKey(path, id string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("keyring file %s: %w", path, err)
	}
	defer clear(old)
	current, err := parse(string(old))
	if err != nil {
		return fmt.Errorf("keyring file %s: refusing to rewrite: %w", path, err)
	}
	switch {
	case !current.Has(id):
		return fmt.Errorf("keyring file %s: %w %q", path, ErrUnknownKey, id)
	case current.ActiveID() == id:
		return fmt.Errorf("keyring file %s: %w (%s): run keys rotate to make a new key active first", path, ErrActiveKey, id)
	}
	content := make([]byte, 0, len(old))
	defer func() { clear(content) }()
	for _, entry := range strings.FieldsFunc(string(old), func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if entryID, _, _ := strings.Cut(entry, ":"); entryID != id {
			content = append(content, entry...)
			content = append(content, '\n')
		}
	}
	return replaceFile(path, content)
}

// replaceFile puts content at path atomically: a 0600 temporary file in
// the same directory is written, fsynced and renamed over path, so a crash
// leaves either the old or the new file, never a torn one.
func replaceFile(path string, content []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("keyring file %s: %w", path, err)
	}
	tmp := f.Name()
	if err := writeSynced(f, string(content)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("keyring file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("keyring file %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// writeSynced writes s, fsyncs and closes f; it closes f on every path.
func writeSynced(f *os.File, s string) error {
	_, werr := f.WriteString(s)
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	return errors.Join(werr, cerr)
}

// syncDir makes a create or rename durable. It is best effort: some systems
// cannot fsync a directory, and the file content is already on disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
