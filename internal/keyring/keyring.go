// Package keyring holds the server's key-encryption keys and seals secret
// values at rest with envelope encryption.
//
// Every Seal draws a fresh 256-bit data key (DEK), encrypts the value with it
// and stores the DEK wrapped under the keyring's active key-encryption key
// (KEK). Rotating keys therefore only rewraps 48-byte DEKs (Rewrap); the data
// ciphertext never changes. The layout follows HashiCorp Vault's barrier (a key
// term prefix plus a version byte), with a string key id instead of a numeric
// term and a per-write DEK added.
//
// Blob layout, version 1 (all lengths in bytes):
//
//	offset            size    field
//	0                 1       format version, always 1
//	1                 1       n = length of the key id (1..64)
//	2                 n       key id of the KEK that wrapped the DEK ([A-Za-z0-9_.-])
//	2+n               12      nonce of the wrapped DEK
//	14+n              48      wrapped DEK: AES-256-GCM(KEK, DEK) = 32 + 16-byte tag
//	62+n              12      nonce of the data
//	74+n              >=16    data: AES-256-GCM(DEK, plaintext) + 16-byte tag
//
// The DEK is wrapped with associated data = blob[0:2+n] || ad, so the tag
// authenticates the version, the key id and the caller's associated data: a
// wrapped DEK copied into another record (another ad) or relabelled with
// another key id does not open. The data is sealed with associated data = ad
// alone, so that Rewrap can change the header without touching it; splicing
// data from one blob into another still fails because each blob has its own DEK.
//
// Callers should pass an immutable record id as ad, never a name: binding to a
// renameable name would leave the data unreadable after a rename.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Sentinel errors. Match them with errors.Is; the returned errors carry
// details (entry index, key id, file name) but never key bytes or plaintext.
var (
	// ErrUnknownKey means a blob was wrapped under a key id this keyring does
	// not hold. The error names the id. Such errors also match ErrDecrypt,
	// because the blob cannot be opened either way.
	ErrUnknownKey = errors.New("keyring: unknown key id")

	// ErrDecrypt means a blob could not be opened: it is malformed, was
	// tampered with, was sealed with other associated data, or its key id
	// names key bytes other than the ones in this keyring.
	ErrDecrypt = errors.New("keyring: cannot decrypt")

	// ErrInvalidKeyring means a keyring spec or file was empty or malformed.
	ErrInvalidKeyring = errors.New("keyring: invalid keyring")
)

const (
	// formatVersion is the first byte of every blob this package writes.
	formatVersion = 1

	keySize   = 32 // AES-256, for KEKs and DEKs alike
	nonceSize = 12 // the standard GCM nonce
	tagSize   = 16 // the standard GCM tag

	maxIDLen       = 64
	wrappedDEKSize = keySize + tagSize

	// minBlobSize is a blob with a one-character key id and an empty plaintext.
	minBlobSize = 2 + 1 + nonceSize + wrappedDEKSize + nonceSize + tagSize
)

// Keyring is an immutable, ordered set of key-encryption keys. The first key
// is active: Seal and Rewrap wrap data keys under it. Every key can open.
// A Keyring is safe for concurrent use.
type Keyring struct {
	keks []kek // active first
}

// kek keeps only the expanded cipher, not the raw key bytes, so that nothing
// in a Keyring can be printed or serialised back into key material by mistake.
type kek struct {
	id   string
	aead cipher.AEAD
}

// unknownKeyError is the error for a blob whose key id is not in the keyring.
// It matches both ErrUnknownKey and ErrDecrypt.
type unknownKeyError struct{ id string }

func (e *unknownKeyError) Error() string {
	return fmt.Sprintf("%v %q: the keyring does not hold it (%v)", ErrUnknownKey, e.id, ErrDecrypt)
}

func (e *unknownKeyError) Is(target error) bool {
	return target == ErrUnknownKey || target == ErrDecrypt
}

// Parse builds a keyring from a spec of entries "id:base64(32 bytes)"
// separated by commas and/or whitespace (newlines included). The first entry
// is the active key. Key ids are 1-64 characters of [A-Za-z0-9_.-]; keys are
// standard base64 (with padding) of exactly 32 bytes.
//
// Every error wraps ErrInvalidKeyring and names the 1-based entry index and,
// when it is well formed, the id; none contains key material. An empty spec,
// a duplicate id and a key that is not 32 bytes are refused.
func Parse(spec string) (*Keyring, error) {
	k, err := parse(spec)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return k, nil
}

// parse does the work of Parse and returns errors without a "keyring:" prefix,
// so Load can prefix them with the file name instead.
func parse(spec string) (*Keyring, error) {
	entries := strings.FieldsFunc(spec, func(r rune) bool {
		return r == ',' || unicode.IsSpace(r)
	})
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidKeyring)
	}
	k := &Keyring{keks: make([]kek, 0, len(entries))}
	firstSeen := make(map[string]int, len(entries))
	for i, entry := range entries {
		n := i + 1
		id, encoded, ok := strings.Cut(entry, ":")
		if !ok {
			// Without a colon the entry may be a bare key: do not echo it.
			return nil, fmt.Errorf("%w: entry %d: want \"id:base64key\", found no ':'", ErrInvalidKeyring, n)
		}
		if err := validID(id); err != nil {
			// An invalid id is not echoed either: it may be a pasted key.
			return nil, fmt.Errorf("%w: entry %d: %v", ErrInvalidKeyring, n, err)
		}
		if prev, dup := firstSeen[id]; dup {
			return nil, fmt.Errorf("%w: entry %d: key id %q duplicates entry %d", ErrInvalidKeyring, n, id, prev)
		}
		firstSeen[id] = n
		// The decoder's own error is not wrapped: it is only an offset, but a
		// message of our own is guaranteed not to grow key bytes later.
		raw, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d (id %q): key is not valid standard base64", ErrInvalidKeyring, n, id)
		}
		if len(raw) != keySize {
			clear(raw)
			return nil, fmt.Errorf("%w: entry %d (id %q): key is %d bytes, want %d", ErrInvalidKeyring, n, id, len(raw), keySize)
		}
		aead, err := newGCM(raw)
		clear(raw) // the cipher keeps its own key schedule
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d (id %q): %v", ErrInvalidKeyring, n, id, err)
		}
		k.keks = append(k.keks, kek{id: id, aead: aead})
	}
	return k, nil
}

// validID reports why id is not a valid key id, without quoting it.
func validID(id string) error {
	if len(id) == 0 || len(id) > maxIDLen {
		return fmt.Errorf("key id must be 1-%d characters, got %d", maxIDLen, len(id))
	}
	for i := 0; i < len(id); i++ {
		if !isIDByte(id[i]) {
			return fmt.Errorf("key id has a character outside [A-Za-z0-9_.-] at position %d", i+1)
		}
	}
	return nil
}

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '-'
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ActiveID returns the id of the key that wraps new data keys ("" for a zero
// Keyring, which only Parse and Load avoid producing).
func (k *Keyring) ActiveID() string {
	if k == nil || len(k.keks) == 0 {
		return ""
	}
	return k.keks[0].id
}

// IDs returns the key ids in order, active first. The slice is a copy.
func (k *Keyring) IDs() []string {
	if k == nil {
		return nil
	}
	ids := make([]string, len(k.keks))
	for i, e := range k.keks {
		ids[i] = e.id
	}
	return ids
}

// Has reports whether the keyring holds a key with this id.
func (k *Keyring) Has(id string) bool { return k != nil && k.lookup(id) != nil }

// String describes the keyring without key bytes, e.g.
// "keyring(active=k1, 2 keys)".
func (k *Keyring) String() string {
	if k == nil || len(k.keks) == 0 {
		return "keyring(empty)"
	}
	noun := "keys"
	if len(k.keks) == 1 {
		noun = "key"
	}
	return fmt.Sprintf("keyring(active=%s, %d %s)", k.keks[0].id, len(k.keks), noun)
}

// GoString makes %#v print the same safe summary as String.
func (k *Keyring) GoString() string { return k.String() }

func (k *Keyring) lookup(id string) *kek {
	for i := range k.keks {
		if k.keks[i].id == id {
			return &k.keks[i]
		}
	}
	return nil
}

// Seal encrypts plaintext under a fresh data key wrapped by the active key
// and binds the result to ad (pass the record's immutable id). The layout is
// in the package comment. Seal returns an error only if the keyring is empty.
func (k *Keyring) Seal(plaintext, ad []byte) ([]byte, error) {
	if k == nil || len(k.keks) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidKeyring)
	}
	active := &k.keks[0]

	var dek [keySize]byte
	defer clear(dek[:]) // best effort: the AES key schedule is not reachable to zero
	rand.Read(dek[:])   // never fails: it crashes the process instead
	data, err := newGCM(dek[:])
	if err != nil {
		return nil, fmt.Errorf("keyring: seal: %w", err)
	}

	hdrLen := 2 + len(active.id)
	out := make([]byte, hdrLen, hdrLen+nonceSize+wrappedDEKSize+nonceSize+len(plaintext)+tagSize)
	out[0] = formatVersion
	out[1] = byte(len(active.id))
	copy(out[2:], active.id)

	var nonce [nonceSize]byte
	rand.Read(nonce[:])
	out = append(out, nonce[:]...)
	out = active.aead.Seal(out, nonce[:], dek[:], wrapAD(out[:hdrLen], ad))

	// A KEK wraps many DEKs, so its 96-bit nonces are random and independent;
	// each DEK seals exactly one message, so its nonce could be anything, but
	// random costs nothing and keeps the format uniform.
	rand.Read(nonce[:])
	out = append(out, nonce[:]...)
	return data.Seal(out, nonce[:], plaintext, ad), nil
}

// Open decrypts a blob made by Seal or Rewrap with the same ad.
//
// Errors: an unknown key id yields an error matching ErrUnknownKey (and
// ErrDecrypt) that names the id; a malformed, truncated or tampered blob, other
// associated data, or other key bytes under the same id yield ErrDecrypt.
// Open never panics on any input.
func (k *Keyring) Open(blob, ad []byte) ([]byte, error) {
	p, err := parseBlob(blob)
	if err != nil {
		return nil, err
	}
	dek, err := k.unwrap(p, ad)
	if err != nil {
		return nil, err
	}
	defer clear(dek)
	return openData(dek, p, ad)
}

// Rewrap re-wraps the blob's data key under the active key and returns the
// new blob; the data nonce and ciphertext are copied unchanged, which is all
// key rotation needs. A blob already under the active key is returned as is
// (the same slice). Rewrap authenticates the whole blob first, so it fails,
// with the errors of Open, exactly when Open would: rotation never blesses a
// corrupt record.
func (k *Keyring) Rewrap(blob, ad []byte) ([]byte, error) {
	p, err := parseBlob(blob)
	if err != nil {
		return nil, err
	}
	dek, err := k.unwrap(p, ad)
	if err != nil {
		return nil, err
	}
	defer clear(dek)
	plaintext, err := openData(dek, p, ad)
	if err != nil {
		return nil, err
	}
	clear(plaintext)
	if p.id == k.keks[0].id {
		return blob, nil
	}

	active := &k.keks[0]
	hdrLen := 2 + len(active.id)
	out := make([]byte, hdrLen, hdrLen+nonceSize+wrappedDEKSize+len(p.dataPart))
	out[0] = formatVersion
	out[1] = byte(len(active.id))
	copy(out[2:], active.id)
	var nonce [nonceSize]byte
	rand.Read(nonce[:])
	out = append(out, nonce[:]...)
	out = active.aead.Seal(out, nonce[:], dek, wrapAD(out[:hdrLen], ad))
	return append(out, p.dataPart...), nil
}

// KeyID returns the id of the key that wrapped the blob's data key, so callers
// can find records still under an old key. A blob that is not structurally
// valid yields ErrDecrypt; KeyID does not authenticate anything.
func KeyID(blob []byte) (string, error) {
	p, err := parseBlob(blob)
	if err != nil {
		return "", err
	}
	return p.id, nil
}

// parsedBlob holds sub-slices of a blob; nothing is copied.
type parsedBlob struct {
	header    []byte // version, id length, id
	id        string
	wrapNonce []byte
	wrapped   []byte
	dataPart  []byte // data nonce + data ciphertext, what Rewrap carries over
	dataNonce []byte
	data      []byte
}

// parseBlob checks the structure of a blob. Every failure is ErrDecrypt with
// a reason that states only lengths and versions, never content.
func parseBlob(blob []byte) (parsedBlob, error) {
	if len(blob) < minBlobSize {
		return parsedBlob{}, fmt.Errorf("%w: blob is %d bytes, shorter than the minimum %d", ErrDecrypt, len(blob), minBlobSize)
	}
	if blob[0] != formatVersion {
		return parsedBlob{}, fmt.Errorf("%w: unsupported blob format version %d", ErrDecrypt, blob[0])
	}
	idLen := int(blob[1])
	if idLen == 0 || idLen > maxIDLen {
		return parsedBlob{}, fmt.Errorf("%w: malformed blob: key id length %d", ErrDecrypt, idLen)
	}
	hdrLen := 2 + idLen
	if len(blob) < hdrLen+nonceSize+wrappedDEKSize+nonceSize+tagSize {
		return parsedBlob{}, fmt.Errorf("%w: blob is %d bytes, too short for its header", ErrDecrypt, len(blob))
	}
	id := blob[2:hdrLen]
	for _, c := range id {
		if !isIDByte(c) {
			return parsedBlob{}, fmt.Errorf("%w: malformed blob: invalid key id", ErrDecrypt)
		}
	}
	p := parsedBlob{header: blob[:hdrLen], id: string(id)}
	rest := blob[hdrLen:]
	p.wrapNonce, rest = rest[:nonceSize], rest[nonceSize:]
	p.wrapped, rest = rest[:wrappedDEKSize], rest[wrappedDEKSize:]
	p.dataPart = rest
	p.dataNonce, p.data = rest[:nonceSize], rest[nonceSize:]
	return p, nil
}

// unwrap returns the blob's DEK; the caller zeroes it.
func (k *Keyring) unwrap(p parsedBlob, ad []byte) ([]byte, error) {
	if k == nil || len(k.keks) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidKeyring)
	}
	e := k.lookup(p.id)
	if e == nil {
		return nil, &unknownKeyError{id: p.id}
	}
	dek, err := e.aead.Open(make([]byte, 0, keySize), p.wrapNonce, p.wrapped, wrapAD(p.header, ad))
	if err != nil {
		return nil, fmt.Errorf("%w: data key under %q does not authenticate (other key bytes, other associated data, or a tampered blob)", ErrDecrypt, p.id)
	}
	return dek, nil
}

func openData(dek []byte, p parsedBlob, ad []byte) ([]byte, error) {
	data, err := newGCM(dek)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	plaintext, err := data.Open(make([]byte, 0, len(p.data)-tagSize), p.dataNonce, p.data, ad)
	if err != nil {
		return nil, fmt.Errorf("%w: data does not authenticate (tampered blob)", ErrDecrypt)
	}
	return plaintext, nil
}

// wrapAD is the associated data of a wrapped DEK: the blob header (version,
// id length, id) followed by the caller's ad. The id's length prefix keeps
// the concatenation unambiguous. It is a fresh slice because GCM forbids
// associated data that overlaps the output buffer.
func wrapAD(header, ad []byte) []byte {
	out := make([]byte, 0, len(header)+len(ad))
	out = append(out, header...)
	return append(out, ad...)
}
