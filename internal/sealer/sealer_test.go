package sealer_test

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
)

const goldenRing = "golden-k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

type golden struct {
	kind, keyID, id string
	blob            []byte
}

// readGolden reads testdata/golden.txt: blobs the server sealed before the
// sealer existed, which every existing database holds.
func readGolden(t *testing.T) map[string]golden {
	t.Helper()
	f, err := os.Open("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]golden{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 4 {
			t.Fatalf("golden line %q: want 4 fields", line)
		}
		blob, err := hex.DecodeString(fields[3])
		if err != nil {
			t.Fatal(err)
		}
		out[fields[0]] = golden{kind: fields[0], keyID: fields[1], id: fields[2], blob: blob}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("golden file has %d kinds, want secret and source", len(out))
	}
	return out
}

func newSealer(t *testing.T, spec string) (*sealer.Sealer, *keyring.Keyring) {
	t.Helper()
	ring, err := keyring.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return sealer.New(keyring.StaticKeys(ring)), ring
}

// TestOpensBlobsSealedBeforeTheSealer: a secret and a signing key sealed by
// the old server code open with the sealer, to the same plaintext, so an
// existing database still reads.
func TestOpensBlobsSealedBeforeTheSealer(t *testing.T) {
	g := readGolden(t)
	sl, _ := newSealer(t, goldenRing)

	sec := g["secret"]
	data, err := sl.OpenSecret(sec.id, sec.blob)
	if err != nil {
		t.Fatalf("OpenSecret of an old blob: %v", err)
	}
	if len(data) != 2 || data["token"] != "ghp_golden" || data["user"] != "octo" {
		t.Fatalf("OpenSecret of an old blob = %v, want token and user", data)
	}

	src := g["source"]
	key, err := sl.OpenSourceKey(src.id, src.blob)
	if err != nil {
		t.Fatalf("OpenSourceKey of an old blob: %v", err)
	}
	if string(key) != "golden-signing-key-0123456789abcdef" {
		t.Fatalf("OpenSourceKey of an old blob = %q", key)
	}
}

// TestBindsEachKindToItsRecord: a blob opens only as its own kind and for
// its own record, so a ciphertext copied to another row, or a secret's blob
// presented as a signing key, is refused.
func TestBindsEachKindToItsRecord(t *testing.T) {
	g := readGolden(t)
	sl, _ := newSealer(t, goldenRing)
	sec, src := g["secret"], g["source"]
	if _, err := sl.OpenSourceKey(sec.id, sec.blob); !errors.Is(err, keyring.ErrDecrypt) {
		t.Errorf("a secret's blob opened as a signing key: err = %v", err)
	}
	if _, err := sl.OpenSecret(src.id, src.blob); !errors.Is(err, keyring.ErrDecrypt) {
		t.Errorf("a signing key's blob opened as a secret: err = %v", err)
	}
	if _, err := sl.OpenSecret(src.id, sec.blob); !errors.Is(err, keyring.ErrDecrypt) {
		t.Errorf("a secret's blob opened under another record's id: err = %v", err)
	}
}

// TestSealsWithTheSameAssociatedDataAsBefore: what the sealer writes opens
// with the keyring and the associated data the old server used, so a server
// of the previous release reading the same database still opens it.
func TestSealsWithTheSameAssociatedDataAsBefore(t *testing.T) {
	sl, ring := newSealer(t, goldenRing)
	const id = "3f8e2a4c-1d2b-4c5e-8f9a-0b1c2d3e4f50"

	blob, keyID, err := sl.SealSecret(id, map[string]string{"a": "1", "b": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if keyID != "golden-k1" {
		t.Errorf("SealSecret key id = %q, want the active key", keyID)
	}
	plain, err := ring.Open(blob, []byte("superplane/secret/"+id))
	if err != nil {
		t.Fatalf("a sealed secret does not open with the old associated data: %v", err)
	}
	if string(plain) != `{"a":"1","b":"2"}` {
		t.Errorf("sealed secret plaintext = %s, want the JSON map as before", plain)
	}

	blob, _, err = sl.SealSourceKey(id, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := ring.Open(blob, []byte("superplane/event-source/"+id)); err != nil || string(plain) != "k" {
		t.Fatalf("a sealed signing key does not open with the old associated data: %q, %v", plain, err)
	}
}

// TestRewrapStaleSecret: a secret sealed under a key that is no longer the
// active one is rewrapped under the active key and still opens; one under
// the active key is left alone.
func TestRewrapStaleSecret(t *testing.T) {
	g := readGolden(t)
	spec, err := keyring.NewKeySpec()
	if err != nil {
		t.Fatal(err)
	}
	sl, ring := newSealer(t, spec+","+goldenRing)
	sec := g["secret"]
	out, active, stale, err := sl.RewrapStaleSecret(sec.id, sec.keyID, sec.blob)
	if err != nil || !stale {
		t.Fatalf("RewrapStaleSecret of a blob under the old key: stale=%v err=%v", stale, err)
	}
	if active != ring.ActiveID() {
		t.Errorf("active key = %q, want %q", active, ring.ActiveID())
	}
	if id, _ := keyring.KeyID(out); id != ring.ActiveID() {
		t.Errorf("rewrapped blob is under %q, want %q", id, ring.ActiveID())
	}
	if data, err := sl.OpenSecret(sec.id, out); err != nil || data["token"] != "ghp_golden" {
		t.Fatalf("the rewrapped secret does not open: %v, %v", data, err)
	}
	if _, _, stale, _ := sl.RewrapStaleSecret(sec.id, ring.ActiveID(), out); stale {
		t.Error("a blob under the active key was reported stale")
	}
}
