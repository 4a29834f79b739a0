package webhook

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// validJSONCases are bodies on each side of every rule validJSON checks;
// each is also a seed of FuzzValidJSON.
var validJSONCases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+3`, `-12.0E-7`, `true`, `false`, `null`, " \t\r\n{ } \n",
	`{"a":[1,{"b":null},"c\"\\\/\b\f\n\r\t\u00e9\uD83D"]}`, `{"é":"日本","x":"\ud800"}`, "{\"a\":\"\xef\xbf\xbd\"}",
	``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a" 1}`, `{1:2}`, `[1 2]`,
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `--1`, `0x10`, `1.5e3.2`, `NaN`, `Infinity`, `tru`, `nul`, `True`,
	`"a`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\x01b\"", "\"\x7f\"", "\"\xff\"", "\"\xed\xa0\x80\"", "\"\xc3\"",
	"\xef\xbb\xbf{}", `{}{}`, `{} x`, `{"a":1}garbage`, "{\"a\":1}\x00", `[[[[]]]]`, `"\/"`, `"\'"`,
}

func TestValidJSONAsUTF8AndJSONValid(t *testing.T) {
	for _, c := range validJSONCases {
		want := utf8.Valid([]byte(c)) && json.Valid([]byte(c))
		if got := validJSON([]byte(c)); got != want {
			t.Errorf("validJSON(%q) = %v, want %v (utf8.Valid && json.Valid)", c, got, want)
		}
	}
	push, err := os.ReadFile("testdata/github_push.json")
	if err != nil {
		t.Fatal(err)
	}
	if !validJSON(push) {
		t.Error("validJSON refused testdata/github_push.json")
	}
}

// TestValidJSONDepth: encoding/json refuses nesting past 10,000 levels, and
// so must the receiver (the limit also bounds validJSON's recursion).
func TestValidJSONDepth(t *testing.T) {
	for _, depth := range []int{maxJSONDepth, maxJSONDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			closing := "]"
			if open != "[" {
				closing = "}"
			}
			b := []byte(strings.Repeat(open, depth) + "1" + strings.Repeat(closing, depth))
			if got, want := validJSON(b), json.Valid(b); got != want {
				t.Errorf("depth %d of %q: validJSON = %v, json.Valid = %v", depth, open, got, want)
			}
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), utf8.Valid(b) && json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, utf8.Valid && json.Valid = %v", b, got, want)
		}
	})
}

// BenchmarkValidJSON sets validJSON against what it replaced on a GitHub
// push (testdata/github_push.json).
func BenchmarkValidJSON(b *testing.B) {
	push, err := os.ReadFile("testdata/github_push.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("utf8.Valid+json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(push)))
		for b.Loop() {
			_ = utf8.Valid(push) && json.Valid(push)
		}
	})
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(push)))
		for b.Loop() {
			_ = validJSON(push)
		}
	})
}
