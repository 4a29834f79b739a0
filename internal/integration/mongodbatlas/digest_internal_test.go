package mongodbatlas

import (
	"net/http"
	"strings"
	"testing"
)

// TestDigestRFC7616Example: the answer to RFC 7616's example challenge
// (section 3.9.1) is the RFC's, for MD5 and SHA-256.
func TestDigestRFC7616Example(t *testing.T) {
	const (
		nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
		opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
	)
	for alg, want := range map[string]string{
		"MD5":     "8ca523f5e9506fed4657c9700eebdbec",
		"SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	} {
		h := http.Header{}
		h.Add("WWW-Authenticate", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=`+alg+`, nonce="`+nonce+`", opaque="`+opaque+`"`)
		c, ok := digestChallenge(h)
		if !ok {
			t.Fatalf("%s: challenge not understood", alg)
		}
		got := digestAuthorization(c, http.MethodGet, "/dir/index.html", "Mufasa", "Circle of Life", cnonce)
		if !strings.Contains(got, `response="`+want+`"`) || !strings.Contains(got, "qop=auth, nc=00000001") || !strings.Contains(got, `opaque="`+opaque+`"`) {
			t.Errorf("%s: %s, want response %s", alg, got, want)
		}
	}
}

// TestDigestChallengeChoice: SHA-256 is preferred when both are offered;
// a challenge offering only auth-int, an unknown algorithm or no nonce is
// not answered; Basic is not a digest challenge.
func TestDigestChallengeChoice(t *testing.T) {
	h := http.Header{}
	h.Add("WWW-Authenticate", `Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"`)
	h.Add("WWW-Authenticate", `Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"`)
	if c, ok := digestChallenge(h); !ok || c.algorithm != "SHA-256" || c.nonce != "n2" {
		t.Errorf("both offered: %+v %v", c, ok)
	}
	for _, v := range []string{
		`Digest realm="r", nonce="n", qop="auth-int"`,
		`Digest realm="r", nonce="n", algorithm=SHA-512-256, qop="auth"`,
		`Digest realm="r", qop="auth"`,
		`Basic realm="r"`,
	} {
		h := http.Header{}
		h.Add("WWW-Authenticate", v)
		if c, ok := digestChallenge(h); ok {
			t.Errorf("%s: answered as %+v", v, c)
		}
	}
}
