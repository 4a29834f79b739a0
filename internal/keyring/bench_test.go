package keyring_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
)

// secretJSON is what the server seals per secret: the JSON of a 5-key data
// map, about 200 bytes.
func secretJSON(b *testing.B) []byte {
	b.Helper()
	data, err := json.Marshal(map[string]string{
		"DB_PASSWORD":     "correct-horse-battery-staple",
		"API_TOKEN":       "ghp_0123456789abcdefghijABCDEFGHIJ",
		"WEBHOOK_SECRET":  "s3cr3t-webhook-signing-key",
		"SMTP_PASSWORD":   "mailpass-2025!",
		"SEMAPHORE_TOKEN": "sem_tok_abcdef0123",
	})
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchKeyring has an active key and one retired key, as after a rotation.
func benchKeyring(b *testing.B) *keyring.Keyring {
	b.Helper()
	k, err := keyring.Parse("k2:" + newKey(b) + ",k1:" + newKey(b))
	if err != nil {
		b.Fatal(err)
	}
	return k
}

var sink []byte

func BenchmarkSeal5Keys(b *testing.B) {
	k, data := benchKeyring(b), secretJSON(b)
	ad := []byte("0b4e6bb2-7f4c-4bd1-9a55-7b1f1c2d3e4f")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		blob, err := k.Seal(data, ad)
		if err != nil {
			b.Fatal(err)
		}
		sink = blob
	}
}

func BenchmarkOpen5Keys(b *testing.B) {
	k, data := benchKeyring(b), secretJSON(b)
	ad := []byte("0b4e6bb2-7f4c-4bd1-9a55-7b1f1c2d3e4f")
	blob, err := k.Seal(data, ad)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		plaintext, err := k.Open(blob, ad)
		if err != nil {
			b.Fatal(err)
		}
		sink = plaintext
	}
}

// BenchmarkBareAESGCM is the floor: one AES-256-GCM seal of the same bytes
// with a cipher built once. Seal does two seals plus a key schedule and three
// random reads; the gap to this number is the price of per-write data keys.
func BenchmarkBareAESGCM(b *testing.B) {
	data := secretJSON(b)
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	out := make([]byte, 0, len(data)+aead.Overhead())
	var counter uint64
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		counter++ // a counter nonce: unique without the cost of a random read
		binary.BigEndian.PutUint64(nonce[4:], counter)
		sink = aead.Seal(out[:0], nonce, data, nil)
	}
}
