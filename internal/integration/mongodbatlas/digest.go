package mongodbatlas

import (
	"crypto/md5" // RFC 7616: Atlas challenges with algorithm=MD5
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strings"
)

// challenge is a parsed WWW-Authenticate: Digest header (RFC 7616).
type challenge struct {
	realm, nonce, opaque, algorithm, qop string
}

// digestChallenge picks the Digest challenge of h's WWW-Authenticate
// headers that this client can answer, SHA-256 before MD5 (a server may
// offer one header per algorithm). ok is false when there is none.
func digestChallenge(h http.Header) (challenge, bool) {
	var best challenge
	found := false
	for _, v := range h.Values("WWW-Authenticate") {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		p := authParams(rest)
		c := challenge{realm: p["realm"], nonce: p["nonce"], opaque: p["opaque"], algorithm: strings.ToUpper(p["algorithm"]), qop: p["qop"]}
		if c.algorithm == "" {
			c.algorithm = "MD5"
		}
		if c.nonce == "" || newHash(c.algorithm) == nil {
			continue
		}
		if c.qop != "" {
			// qop is a list ("auth,auth-int"): only auth is answered.
			hasAuth := false
			for _, q := range strings.Split(c.qop, ",") {
				hasAuth = hasAuth || strings.TrimSpace(q) == "auth"
			}
			if !hasAuth {
				continue
			}
			c.qop = "auth"
		}
		if !found || strings.HasPrefix(c.algorithm, "SHA-256") {
			best, found = c, true
		}
	}
	return best, found
}

// authParams parses auth-params: name=token or name="quoted string"
// separated by commas, the quoted strings unescaped.
func authParams(s string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == ',' || s[i] == '\t') {
			i++
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(s[i : i+eq]))
		i += eq + 1
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
			i++ // the closing quote
		} else {
			for i < len(s) && s[i] != ',' {
				val.WriteByte(s[i])
				i++
			}
		}
		out[name] = strings.TrimSpace(val.String())
	}
	return out
}

// newHash is the hash of a digest algorithm, nil for one not supported.
func newHash(algorithm string) func() hash.Hash {
	switch strings.TrimSuffix(algorithm, "-SESS") {
	case "MD5":
		return md5.New
	case "SHA-256":
		return sha256.New
	}
	return nil
}

// digestAuthorization is the Authorization header answering c for a
// request of method to uri (its request-URI) as user with password, with
// the client nonce cnonce.
func digestAuthorization(c challenge, method, uri, user, password, cnonce string) string {
	h := newHash(c.algorithm)
	sum := func(parts ...string) string {
		x := h()
		x.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(x.Sum(nil))
	}
	const nc = "00000001" // a fresh challenge for every request
	ha1 := sum(user, c.realm, password)
	if strings.HasSuffix(c.algorithm, "-SESS") {
		ha1 = sum(ha1, c.nonce, cnonce)
	}
	ha2 := sum(method, uri)
	var response string
	if c.qop == "auth" {
		response = sum(ha1, c.nonce, nc, cnonce, c.qop, ha2)
	} else {
		response = sum(ha1, c.nonce, ha2)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username=%s, realm=%s, nonce=%s, uri=%s, algorithm=%s, response=%s`,
		quote(user), quote(c.realm), quote(c.nonce), quote(uri), c.algorithm, quote(response))
	if c.qop == "auth" {
		fmt.Fprintf(&b, `, qop=auth, nc=%s, cnonce=%s`, nc, quote(cnonce))
	}
	if c.opaque != "" {
		fmt.Fprintf(&b, `, opaque=%s`, quote(c.opaque))
	}
	return b.String()
}

// quote is s as a quoted-string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func newCnonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
