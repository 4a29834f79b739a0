package keyring_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
)

// Offsets of the documented blob layout, for a key id of length n.
func wrapNonceAt(n int) int { return 2 + n }
func dataNonceAt(n int) int { return 2 + n + 12 + 48 }

// newKey returns a fresh base64 key; tests keep it to check it never leaks.
func newKey(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func mustParse(t testing.TB, spec string) *keyring.Keyring {
	t.Helper()
	k, err := keyring.Parse(spec)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return k
}

func mustSeal(t testing.TB, k *keyring.Keyring, plaintext, ad []byte) []byte {
	t.Helper()
	blob, err := k.Seal(plaintext, ad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return blob
}

func TestRoundTrip(t *testing.T) {
	k := mustParse(t, "k1:"+newKey(t))
	for _, plaintext := range [][]byte{
		{},
		[]byte("x"),
		[]byte(`{"DB_PASSWORD":"hunter2"}`),
		bytes.Repeat([]byte("long secret "), 10_000),
	} {
		ad := []byte("secret/0b4e6bb2-7f4c-4bd1-9a55-7b1f1c2d3e4f")
		blob := mustSeal(t, k, plaintext, ad)
		if bytes.Contains(blob, []byte("hunter2")) {
			t.Fatal("blob contains the plaintext")
		}
		got, err := k.Open(blob, ad)
		if err != nil {
			t.Fatalf("Open(%d bytes): %v", len(plaintext), err)
		}
		if !bytes.Equal(got, plaintext) {
			t.Fatalf("Open(%d bytes) returned %d different bytes", len(plaintext), len(got))
		}
		// Layout: version, id length, id, 12+48 wrapped DEK, 12 nonce, ciphertext+16.
		if want := 2 + 2 + 12 + 48 + 12 + len(plaintext) + 16; len(blob) != want {
			t.Fatalf("blob is %d bytes, want %d", len(blob), want)
		}
		if blob[0] != 1 || blob[1] != 2 || string(blob[2:4]) != "k1" {
			t.Fatalf("blob header = %q, want \\x01\\x02k1", blob[:4])
		}
		if id, err := keyring.KeyID(blob); err != nil || id != "k1" {
			t.Fatalf("KeyID = %q, %v; want k1", id, err)
		}
	}
}

func TestOpenRejectsEveryTamperedByte(t *testing.T) {
	k := mustParse(t, "k1:"+newKey(t)+",k2:"+newKey(t))
	ad := []byte("record-1")
	blob := mustSeal(t, k, []byte("s3cret"), ad)
	for i := range blob {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(blob)
			tampered[i] ^= flip
			got, err := k.Open(tampered, ad)
			if !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("byte %d ^ %#x: Open = %q, %v; want ErrDecrypt", i, flip, got, err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("byte %d: error contains the plaintext: %v", i, err)
			}
			if _, err := k.Rewrap(tampered, ad); !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("byte %d ^ %#x: Rewrap = %v; want ErrDecrypt", i, flip, err)
			}
		}
	}
	if _, err := k.Open(append(bytes.Clone(blob), 0), ad); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("extended blob: Open = %v; want ErrDecrypt", err)
	}
}

func TestOpenRejectsOtherAssociatedData(t *testing.T) {
	k := mustParse(t, "k1:"+newKey(t))
	a := mustSeal(t, k, []byte("value of A"), []byte("record-A"))
	b := mustSeal(t, k, []byte("value of B"), []byte("record-B"))

	t.Run("wrong ad", func(t *testing.T) {
		for _, ad := range [][]byte{nil, []byte("record-a"), []byte("record-A "), []byte("record-B")} {
			if _, err := k.Open(a, ad); !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("Open with ad %q = %v; want ErrDecrypt", ad, err)
			}
		}
	})
	t.Run("blob moved to another record", func(t *testing.T) {
		if _, err := k.Open(a, []byte("record-B")); !errors.Is(err, keyring.ErrDecrypt) {
			t.Fatalf("A's blob opened as B: %v", err)
		}
		if _, err := k.Rewrap(a, []byte("record-B")); !errors.Is(err, keyring.ErrDecrypt) {
			t.Fatalf("A's blob rewrapped as B: %v", err)
		}
	})
	t.Run("wrapped key moved to another record", func(t *testing.T) {
		// B's header and wrapped DEK with A's data, and the other way round.
		split := dataNonceAt(2)
		spliced := append(bytes.Clone(b[:split]), a[split:]...)
		for _, ad := range []string{"record-A", "record-B"} {
			if _, err := k.Open(spliced, []byte(ad)); !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("spliced blob opened with ad %s: %v", ad, err)
			}
		}
	})
}

func TestKeyIDIsAuthenticated(t *testing.T) {
	// Both ids hold the same key bytes, so only the binding of the id into the
	// wrapped key's associated data can tell a relabelled blob apart.
	key := newKey(t)
	k := mustParse(t, "ka:"+key+",kb:"+key)
	blob := mustSeal(t, k, []byte("v"), []byte("r"))
	relabelled := bytes.Clone(blob)
	relabelled[3] = 'b'
	if id, _ := keyring.KeyID(relabelled); id != "kb" {
		t.Fatalf("KeyID = %q, want kb", id)
	}
	if _, err := k.Open(relabelled, []byte("r")); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("relabelled blob: Open = %v; want ErrDecrypt", err)
	}
}

func TestOpenWithWrongKeyBytes(t *testing.T) {
	sealer := mustParse(t, "k1:"+newKey(t))
	other := mustParse(t, "k1:"+newKey(t)) // same id, other key
	blob := mustSeal(t, sealer, []byte("v"), []byte("r"))
	_, err := other.Open(blob, []byte("r"))
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Open = %v; want ErrDecrypt", err)
	}
	if errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("Open = %v; the id is known, want no ErrUnknownKey", err)
	}
}

func TestOpenUnknownKeyID(t *testing.T) {
	sealer := mustParse(t, "old-key.2024:"+newKey(t))
	opener := mustParse(t, "k2:"+newKey(t)+" k3:"+newKey(t))
	blob := mustSeal(t, sealer, []byte("v"), []byte("r"))
	_, err := opener.Open(blob, []byte("r"))
	if !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("Open = %v; want ErrUnknownKey", err)
	}
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Open = %v; an unknown key should also match ErrDecrypt", err)
	}
	if !strings.Contains(err.Error(), `"old-key.2024"`) {
		t.Fatalf("error %q does not name the key id", err)
	}
	if _, err := opener.Rewrap(blob, []byte("r")); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("Rewrap = %v; want ErrUnknownKey", err)
	}
}

func TestMalformedBlobs(t *testing.T) {
	k := mustParse(t, "k1:"+newKey(t))
	blob := mustSeal(t, k, []byte("value"), []byte("r"))

	check := func(t *testing.T, name string, b []byte) {
		t.Helper()
		if got, err := k.Open(b, []byte("r")); !errors.Is(err, keyring.ErrDecrypt) || got != nil {
			t.Fatalf("%s: Open = %q, %v; want nil, ErrDecrypt", name, got, err)
		}
		if got, err := k.Rewrap(b, []byte("r")); !errors.Is(err, keyring.ErrDecrypt) || got != nil {
			t.Fatalf("%s: Rewrap = %q, %v; want nil, ErrDecrypt", name, got, err)
		}
	}
	t.Run("truncated", func(t *testing.T) {
		for n := range len(blob) {
			check(t, fmt.Sprintf("first %d bytes", n), blob[:n])
			if n > 0 {
				check(t, fmt.Sprintf("without first %d bytes", n), blob[n:])
			}
		}
	})
	t.Run("empty and nil", func(t *testing.T) {
		check(t, "nil", nil)
		check(t, "empty", []byte{})
		if _, err := keyring.KeyID(nil); !errors.Is(err, keyring.ErrDecrypt) {
			t.Fatalf("KeyID(nil) = %v; want ErrDecrypt", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		for n := range 300 {
			b := make([]byte, n)
			rand.Read(b)
			check(t, fmt.Sprintf("%d random bytes", n), b)
			// Random bytes behind a plausible header reach the cipher code.
			b = append([]byte{1, 2, 'k', '1'}, b...)
			check(t, fmt.Sprintf("header + %d random bytes", n), b)
		}
	})
	t.Run("bad headers", func(t *testing.T) {
		long := bytes.Repeat([]byte("a"), 200)
		for name, b := range map[string][]byte{
			"version 0":       append([]byte{0}, blob[1:]...),
			"version 2":       append([]byte{2}, blob[1:]...),
			"id length 0":     append([]byte{1, 0}, blob[2:]...),
			"id length 65":    append([]byte{1, 65}, long...),
			"id length 255":   append([]byte{1, 255}, long...),
			"id not in range": append([]byte{1, 2, 'k', '/'}, blob[4:]...),
		} {
			check(t, name, b)
			if _, err := keyring.KeyID(b); !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("%s: KeyID = %v; want ErrDecrypt", name, err)
			}
		}
	})
}

func TestRotation(t *testing.T) {
	k1 := "k1:" + newKey(t)
	k2 := "k2:" + newKey(t)
	old := mustParse(t, k1)
	rotated := mustParse(t, k2+"\n"+k1)
	onlyNew := mustParse(t, k2)
	ad := []byte("secret-id-42")
	plaintext := []byte(`{"TOKEN":"abc"}`)

	blob := mustSeal(t, old, plaintext, ad)
	if got, err := rotated.Open(blob, ad); err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("rotated keyring cannot open a k1 blob: %q, %v", got, err)
	}
	if rotated.ActiveID() != "k2" {
		t.Fatalf("ActiveID = %q, want k2", rotated.ActiveID())
	}

	moved, err := rotated.Rewrap(blob, ad)
	if err != nil {
		t.Fatalf("Rewrap: %v", err)
	}
	if id, err := keyring.KeyID(moved); err != nil || id != "k2" {
		t.Fatalf("KeyID after Rewrap = %q, %v; want k2", id, err)
	}
	// Rotation must not re-encrypt the data: nonce and ciphertext are carried over.
	if !bytes.Equal(moved[dataNonceAt(2):], blob[dataNonceAt(2):]) {
		t.Fatal("Rewrap changed the data nonce or ciphertext")
	}
	if bytes.Equal(moved[wrapNonceAt(2):dataNonceAt(2)], blob[wrapNonceAt(2):dataNonceAt(2)]) {
		t.Fatal("Rewrap kept the old wrapped data key")
	}
	if got, err := onlyNew.Open(moved, ad); err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("keyring k2 alone cannot open the rewrapped blob: %q, %v", got, err)
	}
	if _, err := old.Open(moved, ad); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("keyring k1 alone opened the rewrapped blob: %v; want ErrUnknownKey", err)
	}
	if _, err := onlyNew.Open(blob, ad); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("keyring k2 alone opened the k1 blob: %v; want ErrUnknownKey", err)
	}

	again, err := rotated.Rewrap(moved, ad)
	if err != nil {
		t.Fatalf("Rewrap of an up-to-date blob: %v", err)
	}
	if !bytes.Equal(again, moved) {
		t.Fatal("Rewrap changed a blob already under the active key")
	}
	if _, err := rotated.Rewrap(moved, []byte("other-record")); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Rewrap with wrong ad of an up-to-date blob = %v; want ErrDecrypt", err)
	}
}

func TestNoncesAreUnique(t *testing.T) {
	k := mustParse(t, "k1:"+newKey(t))
	const n = 10_000
	plaintext := []byte("the same plaintext every time")
	ad := []byte("same-record")
	blobs := make(map[string]bool, n)
	wrapNonces := make(map[string]bool, n)
	dataNonces := make(map[string]bool, n)
	for range n {
		blob := mustSeal(t, k, plaintext, ad)
		blobs[string(blob)] = true
		wrapNonces[string(blob[wrapNonceAt(2):wrapNonceAt(2)+12])] = true
		dataNonces[string(blob[dataNonceAt(2):dataNonceAt(2)+12])] = true
	}
	if len(blobs) != n || len(wrapNonces) != n || len(dataNonces) != n {
		t.Fatalf("distinct of %d seals: %d blobs, %d wrap nonces, %d data nonces", n, len(blobs), len(wrapNonces), len(dataNonces))
	}
}

func TestConcurrentUse(t *testing.T) {
	k := mustParse(t, "k2:"+newKey(t)+",k1:"+newKey(t))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				ad := fmt.Appendf(nil, "r-%d-%d", g, i)
				blob, err := k.Seal(ad, ad)
				if err == nil {
					var got []byte
					got, err = k.Open(blob, ad)
					if err == nil && !bytes.Equal(got, ad) {
						err = errors.New("round trip changed the value")
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestParse(t *testing.T) {
	key1, key2 := newKey(t), newKey(t)
	k := mustParse(t, "\n  primary:"+key1+" ,\r\n\told_1.x-y:"+key2+",,\n")
	if got := k.IDs(); len(got) != 2 || got[0] != "primary" || got[1] != "old_1.x-y" {
		t.Fatalf("IDs = %q", got)
	}
	if k.ActiveID() != "primary" || !k.Has("old_1.x-y") || k.Has("old") || k.Has("") {
		t.Fatalf("ActiveID = %q / Has wrong", k.ActiveID())
	}
	k.IDs()[0] = "mutated"
	if k.ActiveID() != "primary" {
		t.Fatal("IDs exposed the keyring's own slice")
	}
	for _, s := range []string{k.String(), fmt.Sprint(k), fmt.Sprintf("%+v %#v %v", k, k, *k)} {
		if strings.Contains(s, key1) || strings.Contains(s, key2) {
			t.Fatalf("formatted keyring contains key material: %s", s)
		}
	}
	if got, want := k.String(), "keyring(active=primary, 2 keys)"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
	if _, err := keyring.Parse(strings.Repeat("a", 64) + ":" + key1); err != nil {
		t.Fatalf("64-character id refused: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	good := newKey(t)
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a}, 16))
	long := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a}, 33))
	// A key whose base64 starts with "++++", so its prefix is never a valid id.
	plus := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 11)[:32])
	for _, tc := range []struct {
		name, spec string
		want       []string // substrings of the error
		secrets    []string // must not appear in the error
	}{
		{"empty", "", []string{"no keys"}, nil},
		{"only separators", " ,\n\t, ", []string{"no keys"}, nil},
		{"no colon", good, []string{"entry 1"}, []string{good}},
		{"bad base64", "k1:" + good + ",k2:AAAA!!!!" + good[8:], []string{"entry 2", `"k2"`, "base64"}, []string{good, good[8:]}},
		{"unpadded base64", "k1:" + strings.TrimRight(good, "="), []string{"entry 1", `"k1"`}, []string{strings.TrimRight(good, "=")}},
		{"16-byte key", "k1:" + good + " k2:" + short, []string{"entry 2", `"k2"`, "16 bytes"}, []string{short, good}},
		{"33-byte key", "k1:" + long, []string{"entry 1", `"k1"`, "33 bytes"}, []string{long}},
		{"duplicate id", "k1:" + good + ",k2:" + newKey(t) + ",k1:" + good, []string{"entry 3", `"k1"`, "entry 1"}, []string{good}},
		{"empty id", ":" + good, []string{"entry 1", "1-64"}, []string{good}},
		{"id too long", strings.Repeat("a", 65) + ":" + good, []string{"entry 1", "1-64"}, []string{good}},
		{"id with slash", "k/1:" + good, []string{"entry 1", "position 2"}, []string{good}},
		{"key pasted as id", plus[:40] + ":" + plus, []string{"entry 1", "position 1"}, []string{plus, plus[:40]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyring.Parse(tc.spec)
			if !errors.Is(err, keyring.ErrInvalidKeyring) || k != nil {
				t.Fatalf("Parse = %v, %v; want ErrInvalidKeyring", k, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, s := range tc.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains key material", err)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys")
	key := newKey(t)
	if err := os.WriteFile(path, []byte("k2:"+newKey(t)+"\nk1:"+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := keyring.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := k.IDs(); len(got) != 2 || got[0] != "k2" || got[1] != "k1" {
		t.Fatalf("IDs = %q", got)
	}

	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("k1:"+key[:20]), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = keyring.Load(bad)
	if !errors.Is(err, keyring.ErrInvalidKeyring) || !strings.Contains(err.Error(), bad) {
		t.Fatalf("Load(bad) = %v; want ErrInvalidKeyring naming the file", err)
	}
	if strings.Contains(err.Error(), key[:20]) {
		t.Fatalf("error contains key material: %v", err)
	}
	missing := filepath.Join(dir, "missing")
	if _, err := keyring.Load(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Load(missing) = %v; want ErrNotExist naming the file", err)
	}
}

var specPattern = regexp.MustCompile(`^k\d{14}-[0-9a-f]{4}:[A-Za-z0-9+/]{43}=$`)

func TestNewKeySpec(t *testing.T) {
	a, err := keyring.NewKeySpec()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := keyring.NewKeySpec()
	if !specPattern.MatchString(a) {
		t.Fatalf("NewKeySpec = %q (redacted key), does not match %s", strings.SplitN(a, ":", 2)[0], specPattern)
	}
	if a == b {
		t.Fatal("two NewKeySpec calls returned the same spec")
	}
	k := mustParse(t, a+","+b)
	blob := mustSeal(t, k, []byte("x"), nil)
	if got, err := k.Open(blob, nil); err != nil || string(got) != "x" {
		t.Fatalf("round trip with generated key: %q, %v", got, err)
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestEnsureFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keys")
	path := filepath.Join(dir, "keyring")

	created, err := keyring.EnsureFile(path)
	if err != nil || !created {
		t.Fatalf("EnsureFile = %v, %v; want true, nil", created, err)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("file mode %v, want 0600", m)
	}
	if m := fileMode(t, dir); m != 0o700 {
		t.Fatalf("directory mode %v, want 0700", m)
	}
	content, _ := os.ReadFile(path)
	if !specPattern.Match(bytes.TrimSuffix(content, []byte("\n"))) {
		t.Fatalf("file does not hold one generated key spec (%d bytes)", len(content))
	}
	k, err := keyring.Load(path)
	if err != nil || len(k.IDs()) != 1 {
		t.Fatalf("Load of the created file = %v, %v", k, err)
	}

	created, err = keyring.EnsureFile(path)
	if err != nil || created {
		t.Fatalf("second EnsureFile = %v, %v; want false, nil", created, err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, content) {
		t.Fatal("EnsureFile overwrote an existing file")
	}

	// Whatever is there is left alone, even content that is not a keyring.
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, []byte("not a keyring"), 0o640); err != nil {
		t.Fatal(err)
	}
	if created, err := keyring.EnsureFile(other); err != nil || created {
		t.Fatalf("EnsureFile(existing) = %v, %v; want false, nil", created, err)
	}
	if b, _ := os.ReadFile(other); string(b) != "not a keyring" {
		t.Fatal("EnsureFile changed an existing file")
	}
}

func TestPrependNewKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring")
	if _, err := keyring.EnsureFile(path); err != nil {
		t.Fatal(err)
	}
	before, err := keyring.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	oldID := before.ActiveID()
	blob := mustSeal(t, before, []byte("sealed before rotation"), []byte("r"))

	newID, err := keyring.PrependNewKey(path)
	if err != nil {
		t.Fatalf("PrependNewKey: %v", err)
	}
	after, err := keyring.Load(path)
	if err != nil {
		t.Fatalf("Load after PrependNewKey: %v", err)
	}
	if got := after.IDs(); len(got) != 2 || got[0] != newID || got[1] != oldID {
		t.Fatalf("IDs after rotation = %q, want [%s %s]", got, newID, oldID)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("file mode after rotation %v, want 0600", m)
	}
	if got, err := after.Open(blob, []byte("r")); err != nil || string(got) != "sealed before rotation" {
		t.Fatalf("old blob after rotation: %q, %v", got, err)
	}
	moved, err := after.Rewrap(blob, []byte("r"))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := keyring.KeyID(moved); id != newID {
		t.Fatalf("rewrapped blob under %q, want %q", id, newID)
	}

	third, err := keyring.PrependNewKey(path)
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := keyring.Load(path)
	if got := latest.IDs(); len(got) != 3 || got[0] != third || got[1] != newID || got[2] != oldID {
		t.Fatalf("IDs after second rotation = %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the keyring (temp file left behind?)", len(entries))
	}

	t.Run("refuses a broken file", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad")
		if err := os.WriteFile(bad, []byte("k1:short"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := keyring.PrependNewKey(bad); !errors.Is(err, keyring.ErrInvalidKeyring) {
			t.Fatalf("PrependNewKey(bad) = %v; want ErrInvalidKeyring", err)
		}
		if b, _ := os.ReadFile(bad); string(b) != "k1:short" {
			t.Fatal("PrependNewKey rewrote a broken file")
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := keyring.PrependNewKey(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("PrependNewKey(missing) = %v; want ErrNotExist", err)
		}
	})
	t.Run("comma separated file without final newline", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "k")
		if err := os.WriteFile(p, []byte("a:"+newKey(t)+",b:"+newKey(t)), 0o644); err != nil {
			t.Fatal(err)
		}
		id, err := keyring.PrependNewKey(p)
		if err != nil {
			t.Fatal(err)
		}
		k, err := keyring.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.IDs(); len(got) != 3 || got[0] != id || got[1] != "a" || got[2] != "b" {
			t.Fatalf("IDs = %q", got)
		}
		if m := fileMode(t, p); m != 0o600 {
			t.Fatalf("file mode %v, want 0600", m)
		}
	})
}
