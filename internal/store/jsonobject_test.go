package store

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// objectSamples are payloads of every JSON shape, with escapes, non-ASCII
// and invalid UTF-8 in keys and strings, repeated keys, numbers at the
// edges, and input json.Unmarshal refuses.
var objectSamples = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":-0}`, `{"a":0.5e-3}`, `{"a":1E+2}`, `{"a":12345678901234567890}`,
	`{"a":1e400}`, `{"a":-}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`, `{"a":0x10}`, `{"a":NaN}`,
	`{"a":"x","a":"y"}`, `{"a":{"b":[1,"2",true,false,null,{},[]]}}`, `{"a":[]}`, `{"a":[1,]}`, `{"a":1,}`,
	`{"é":"ü"}`, `{"a":"\u00e9\n\t\"\\\/"}`, `{"a\u0000b":"c"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\ud83d"}`,
	"{\"a\":\"\xff\xfe\"}", "{\"\xc3\":1}", `{"a":"\x"}`, "{\"a\":\"\x01\"}", `{"a":"unterminated}`,
	`[1]`, `null`, `"s"`, `1`, `{"a":1} x`, `{"a":1}{}`, `{"a" 1}`, `{a:1}`, `{"a":tru}`, `{"a":nul}`,
	"{\"a\":\n\r\t1}", `{"a":"\uZZZZ"}`, `{"a":"` + "\x7f" + `"}`, `{"a":[[[[[]]]]]}`,
}

// TestDecodeObjectAsUnmarshal: whenever decodeObject answers, the input is
// valid and its answer is json.Unmarshal's; where json.Unmarshal answers
// for an object, decodeObject answers too (the fallback is for the odd
// case, not the common one).
func TestDecodeObjectAsUnmarshal(t *testing.T) {
	samples := append([]string(nil), objectSamples...)
	if b, err := os.ReadFile("../webhook/testdata/github_push.json"); err == nil {
		samples = append(samples, string(b))
	}
	for _, s := range samples {
		checkDecodeObject(t, []byte(s))
	}
	for _, s := range []string{`{"a":1}`, `{"é":"ü","b":[null,{"c":-1.5e3}]}`, `{"a":"\u00e9\n"}`, "{\"a\":\"\xff\"}"} {
		if _, ok := decodeObject([]byte(s)); !ok {
			t.Errorf("%q: left to json.Unmarshal", s)
		}
	}
}

func checkDecodeObject(t *testing.T, b []byte) {
	t.Helper()
	got, ok := decodeObject(b)
	var want map[string]any
	err := json.Unmarshal(b, &want)
	if ok && (err != nil || !reflect.DeepEqual(got, want)) {
		t.Errorf("%q: %#v; json.Unmarshal %#v, %v", b, got, want, err)
	}
	if ok && want == nil {
		t.Errorf("%q: answered for a null", b)
	}
	gotS, okS := decodeStringObject(b)
	var wantS map[string]string
	errS := json.Unmarshal(b, &wantS)
	if okS && (errS != nil || !reflect.DeepEqual(gotS, wantS)) {
		t.Errorf("%q as headers: %#v; json.Unmarshal %#v, %v", b, gotS, wantS, errS)
	}
}

// TestDecodeRawAllocations: routing's decode of a delivery's payload costs
// the maps and boxed values it makes, not encoding/json's reflection and a
// copy of every key and string.
func TestDecodeRawAllocations(t *testing.T) {
	ev := Event{Raw: []byte(`{"ref":"refs/heads/main","environment":"production","repository":{"name":"app","private":false,"id":1},"commits":[{"id":"a","message":"m"}]}`)}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ev.DecodeRaw(); err != nil {
			t.Fatal(err)
		}
	})
	unmarshal := testing.AllocsPerRun(100, func() {
		var m map[string]any
		if err := json.Unmarshal(ev.Raw, &m); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > unmarshal*2/3 {
		t.Errorf("%v allocations to decode the payload, json.Unmarshal %v: want at most two thirds of it", allocs, unmarshal)
	}
}

// FuzzDecodeObject holds decodeObject to json.Unmarshal on any input.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range objectSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecodeObject(t, b)
	})
}

// BenchmarkDecodeRaw is routing's decode of the busy canvas's body (the
// bench's pushBody, ~700 bytes): decodeObject against json.Unmarshal.
func BenchmarkDecodeRaw(b *testing.B) {
	raw := []byte(`{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"76ae2c1d3e3b1d7e0a6e2f0b4c5d6e7f8091a2b3","environment":"production","repository":{"id":1296269,"name":"Hello-World","full_name":"octocat/Hello-World","private":false,"html_url":"https://github.com/octocat/Hello-World","default_branch":"main"},"pusher":{"name":"octocat","email":"octocat@github.com"},"sender":{"login":"octocat","id":1,"type":"User","site_admin":false},"head_commit":{"id":"76ae2c1d3e3b1d7e0a6e2f0b4c5d6e7f8091a2b3","message":"Update README.md","timestamp":"2026-12-06T12:00:00Z","author":{"name":"Monalisa Octocat","email":"octocat@github.com"},"added":[],"removed":[],"modified":["README.md"]}}`)
	ev := Event{Raw: raw}
	b.Run("decodeObject", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ev.DecodeRaw(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeJSON[map[string]any]("event", "", "raw", raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
