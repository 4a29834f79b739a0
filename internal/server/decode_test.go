package server

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// decodeSeeds are request bodies of every kind decodeBody meets: camelCase
// (one pass), snake_case at the top and nested, snake_case keys in a free
// map (kept as sent), escapes, duplicates, wrong types, trailing data,
// non-objects, invalid UTF-8 and invalid JSON.
var decodeSeeds = []string{
	`{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"s1"},"spec":{"provider":"PROVIDER_LOCAL","local":{"data":{"a":"1","b":"2"}}}}}`,
	`{"domain_type":"DOMAIN_TYPE_CANVAS","domain_id":"prod","unknown":1,"secret":{"metadata":{"name":"snake","extra":true},"spec":{"provider":"PROVIDER_LOCAL","local":{"data":{"API_KEY":"x","my_key":"y"}}}}}`,
	`{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"DB_PASSWORD"},"spec":{"local":{"data":{"a_b":"c_d"}}}}}`,
	`{"domain\u005ftype":"DOMAIN_TYPE_CANVAS","domainId":"x"}`,
	`{"domainType":"a","domainType":"b","domain_type":"c"}`,
	`{"domainType":"a","DomainType":"b"}`,
	`{"domain_type":"a","domainType":"b"}`,
	`{"domainType":1}`,
	`{"secret":{"metadata":{"name":["x"]}}}`,
	`{"secret":{"spec":{"local":{"data":{"a":1}}}}}`,
	`{"domainType":"a"} {"domainType":"b"}`,
	`{"domainType":"a"}   `,
	` 	{"domainId":"é"}`,
	"{\"domainId\":\"\xff\"}",
	`[{"domainType":"a"}]`,
	`null`,
	`"text"`,
	`{"domainType":`,
	`{"domainType" : "a" , "secret" : null}`,
	`{"a\"_b":"x","domainId":"y"}`,
	`{"x":"\\","domainId":"_:"}`,
	`{"domainId":"a\":b_c"}`,
	`{"secret":{"spec":{"local":{"data":{"domain_id":"x","DB_URL":"y"}}}}}`,
	`{"secret":{"meta_data":{"name":"x"}}}`,
}

// TestDecodeOnePassAgreesWithNormalized: the one-pass decode of bodies
// without snake_case keys gives exactly what the general path (decode,
// rename, re-encode, decode) gives, value and error, for every seed; and
// it takes the bodies it should (so the cut is real). One difference is
// meant: an object naming a field twice in different case
// ({"domainType":"a","DomainType":"b"}) now gets the last in the body, as
// for a field named twice the same way, where the general path took the
// last in sorted order.
func TestDecodeOnePassAgreesWithNormalized(t *testing.T) {
	for _, body := range decodeSeeds {
		checkDecodeAgrees(t, []byte(body))
	}
	var got api.CreateSecretRequest
	if err := decodeJSON([]byte(`{"domainType":"a","DomainType":"b"}`), &got); err != nil || got.DomainType != "b" {
		t.Errorf("a field named twice in different case: %q (%v), want the last in the body", got.DomainType, err)
	}
	for body, want := range map[string]bool{
		decodeSeeds[0]: true,
		decodeSeeds[1]: false, // snake_case keys to rename
		decodeSeeds[2]: true,  // "_" in the data's keys, which name no field
		`{"secret":{"spec":{"local":{"data":{"domain_id":"x"}}}}}`: false, // a data key that spells a field: the general path, which keeps it
		decodeSeeds[3]: false, // an escape that spells "_"
		`{"domainId":"a_b","secret":{"metadata":{"name":"x_y"}}}`: true, // "_" in values only
	} {
		if got := decodeDirect([]byte(body), &api.CreateSecretRequest{}); got != want {
			t.Errorf("decodeDirect(%s) = %v, want %v", body, got, want)
		}
	}
}

// FuzzDecodeOnePass: the same agreement for any body.
func FuzzDecodeOnePass(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeAgrees(t, body)
	})
}

func checkDecodeAgrees(t *testing.T, body []byte) {
	t.Helper()
	var one, norm api.CreateSecretRequest
	errOne, errNorm := decodeJSON(body, &one), decodeNormalized(body, &norm)
	if (errOne == nil) != (errNorm == nil) || (errOne != nil && errOne.Error() != errNorm.Error()) {
		t.Fatalf("body %q: decodeJSON error %v, general path %v", body, errOne, errNorm)
	}
	if errOne == nil && !reflect.DeepEqual(one, norm) && !caseVariantKeys(body) {
		t.Fatalf("body %q: decodeJSON %+v, general path %+v", body, one, norm)
	}
}

// caseVariantKeys reports whether an object of body names a key twice in
// different case (the difference TestDecodeOnePassAgreesWithNormalized
// describes).
func caseVariantKeys(body []byte) bool {
	type frame struct {
		object  bool
		wantKey bool
		keys    []string
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(body))
	for range 100000 {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch tk := tok.(type) {
		case json.Delim:
			if tk == '}' || tk == ']' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
				continue
			}
			if top != nil && top.object {
				top.wantKey = false
			}
			stack = append(stack, &frame{object: tk == '{', wantKey: tk == '{'})
		case string:
			if top != nil && top.object && top.wantKey {
				for _, prev := range top.keys {
					if prev != tk && strings.EqualFold(prev, tk) {
						return true
					}
				}
				top.keys = append(top.keys, tk)
				top.wantKey = false
				continue
			}
			if top != nil && top.object {
				top.wantKey = true
			}
		default:
			if top != nil && top.object {
				top.wantKey = true
			}
		}
	}
	return false
}
