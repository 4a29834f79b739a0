package redact_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/rand"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/superplane/terraform-provider-superplane/internal/redact"
)

func TestRedactForms(t *testing.T) {
	const v = `s3cr3t/"va lue"+ü&`
	r := redact.New(v)
	js, _ := json.Marshal(v)
	cases := map[string]string{
		"raw":          v,
		"json":         string(js[1 : len(js)-1]),
		"query":        url.QueryEscape(v),
		"path":         url.PathEscape(v),
		"hex":          hex.EncodeToString([]byte(v)),
		"HEX":          strings.ToUpper(hex.EncodeToString([]byte(v))),
		"base64":       base64.StdEncoding.EncodeToString([]byte(v)),
		"base64url":    base64.URLEncoding.EncodeToString([]byte(v)),
		"base64raw":    base64.RawStdEncoding.EncodeToString([]byte(v)),
		"base64rawurl": base64.RawURLEncoding.EncodeToString([]byte(v)),
		"basicAuth":    base64.StdEncoding.EncodeToString([]byte("user:" + v)),
		"asciiJSON":    `s3cr3t/\"va lue\"+\u00fc\u0026`,
	}
	for name, form := range cases {
		t.Run(name, func(t *testing.T) {
			got := r.Redact("before " + form + " after")
			if strings.Contains(got, form) || !strings.Contains(got, redact.Marker) {
				t.Errorf("Redact(%q) = %q: the %s form survives", form, got, name)
			}
		})
	}
	if got := redact.New("abc").Redact("abc 616263 YWJj"); got != "*** 616263 YWJj" {
		t.Errorf("a short value: %q, want only the raw form masked", got)
	}
	var nilR *redact.Redactor
	if got := nilR.Redact("x"); got != "x" {
		t.Errorf("nil Redactor changed the text: %q", got)
	}
}

// TestRedactValueCutByAnEarlierClip masks the start of a value left by a
// clip made before the Redactor saw the text (a name quoted at 60 runes).
func TestRedactValueCutByAnEarlierClip(t *testing.T) {
	r := redact.New("supersecretvalue123")
	for in, want := range map[string]string{
		`host "supersecr..." refused`:              `host "***..." refused`,
		`host "supers..." and supersecretvalue123`: `host "***..." and ***`,
		`host "super..." refused`:                  `host "super..." refused`, // 5 bytes: too short to tell
		`a... b...`:                                `a... b...`,
		"c3VwZXJzZWNyZXR2YW...":                    "***...", // the base64 form, cut
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClipNeverCutsAMask(t *testing.T) {
	r := redact.New("topsecret")
	text := "ab topsecret cd"
	for n, want := range map[int]string{
		3:  "ab ...",
		4:  "ab ...",
		5:  "ab ...",
		6:  "ab ***...",
		7:  "ab *** ...",
		50: "ab *** cd",
	} {
		if got := r.Clip(text, n); got != want {
			t.Errorf("Clip(%q, %d) = %q, want %q", text, n, got, want)
		}
	}
	if got := redact.ClipRedacted("héé***", 4); got != "héé..." {
		t.Errorf("ClipRedacted on runes = %q", got)
	}
}

// encodings are the ways a tool may echo a value back; embed returns the
// encoded value and, when the value sits in a longer encoded string, the
// part of it that depends on the value alone (what must not survive).
var encodings = map[string]func(rng *rand.Rand, v string) (text, mustGo string){
	"raw": func(_ *rand.Rand, v string) (string, string) { return v, v },
	"json": func(_ *rand.Rand, v string) (string, string) {
		b, _ := json.Marshal(v)
		s := string(b[1 : len(b)-1])
		return s, s
	},
	"query": func(_ *rand.Rand, v string) (string, string) {
		s := url.QueryEscape(v)
		return s, s
	},
	"path": func(_ *rand.Rand, v string) (string, string) { s := url.PathEscape(v); return s, s },
	"hex":  func(_ *rand.Rand, v string) (string, string) { s := hex.EncodeToString([]byte(v)); return s, s },
	"HEX": func(_ *rand.Rand, v string) (string, string) {
		s := strings.ToUpper(hex.EncodeToString([]byte(v)))
		return s, s
	},
	"base64": func(_ *rand.Rand, v string) (string, string) {
		s := base64.StdEncoding.EncodeToString([]byte(v))
		return s, s
	},
	"base64url": func(_ *rand.Rand, v string) (string, string) {
		s := base64.URLEncoding.EncodeToString([]byte(v))
		return s, s
	},
	"base64raw": func(_ *rand.Rand, v string) (string, string) {
		s := base64.RawURLEncoding.EncodeToString([]byte(v))
		return s, s
	},
	"oneLine": func(_ *rand.Rand, v string) (string, string) { s := redact.OneLine(v); return s, s },
	"base64Embedded": func(rng *rand.Rand, v string) (string, string) {
		// The value inside a longer encoded string ("user:" + token in a
		// Basic header, a JSON document in base64) at a random offset.
		enc := base64.StdEncoding
		if rng.Intn(2) == 0 {
			enc = base64.RawURLEncoding
		}
		pre, post := randomBytes(rng, rng.Intn(7)), randomBytes(rng, rng.Intn(7))
		whole := enc.EncodeToString(append(append(pre, v...), post...))
		// The characters of whole made of bits of v alone.
		first := (8*len(pre) + 5) / 6
		last := 8 * (len(pre) + len(v)) / 6
		return whole, whole[first:last]
	},
}

const alphabet = `abcXYZ0189 "'/\%+&<>=:.-_~` + "\tüé€𝄞\u200b"

func randomValue(rng *rand.Rand) string {
	runes := []rune(alphabet)
	n := 6 + rng.Intn(30)
	var sb strings.Builder
	for range n {
		sb.WriteRune(runes[rng.Intn(len(runes))])
	}
	return sb.String()
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	rng.Read(b)
	return b
}

func randomText(rng *rand.Rand) string {
	return randomValue(rng)[:0] + strings.Repeat(" ", rng.Intn(2)) + randomValue(rng)
}

// TestRedactThenClipProperty embeds a random value, in a random encoding,
// in random text, then redacts and clips at a random point: neither the
// encoded value nor any prefix of 6 or more characters of it or of the value
// may be left.
func TestRedactThenClipProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	names := make([]string, 0, len(encodings))
	for name := range encodings {
		names = append(names, name)
	}
	for i := range 3000 {
		name := names[i%len(names)]
		v := randomValue(rng)
		if utf8.RuneCountInString(redact.OneLine(v)) < redact.MinEncoded && name == "oneLine" {
			continue
		}
		encoded, mustGo := encodings[name](rng, v)
		before, after := randomText(rng), randomText(rng)
		text := before + encoded + after
		n := rng.Intn(utf8.RuneCountInString(text) + 2)
		got := redact.New(randomValue(rng), v).Clip(text, n)
		if utf8.RuneCountInString(got) > n+3 {
			t.Fatalf("Clip(_, %d) = %q: too long", n, got)
		}
		for _, secret := range []string{mustGo, v} {
			runes := []rune(secret)
			for k := min(6, len(runes)); k <= len(runes); k++ {
				prefix := string(runes[:k])
				if strings.Contains(got, prefix) && !strings.Contains(before, prefix) && !strings.Contains(after, prefix) {
					t.Fatalf("case %d (%s): value %q encoded %q in %q clipped at %d gave %q, which holds %q", i, name, v, encoded, text, n, got, prefix)
				}
			}
		}
	}
}
