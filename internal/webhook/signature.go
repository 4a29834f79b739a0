package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// signaturePrefix names the algorithm in a signature header value, as GitHub
// writes it.
const signaturePrefix = "sha256="

// Sign returns the signature header value "sha256=<hex HMAC-SHA256(key, body)>"
// that a sender puts in X-Signature-256 (for tests and senders).
func Sign(key, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(key, body))
}

func mac(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body) // a hash.Hash never returns an error
	return m.Sum(nil)
}

// parseSignature decodes a signature header value into the 32 bytes of an
// HMAC-SHA256. The "sha256=" prefix is matched without regard to case and is
// optional unless prefixRequired. It reports false for anything else, so that
// a missing, malformed or mismatched signature all look the same to a caller.
func parseSignature(value string, prefixRequired bool) ([]byte, bool) {
	if len(value) >= len(signaturePrefix) && strings.EqualFold(value[:len(signaturePrefix)], signaturePrefix) {
		value = value[len(signaturePrefix):]
	} else if prefixRequired {
		return nil, false
	}
	if len(value) != hex.EncodedLen(sha256.Size) {
		return nil, false
	}
	sig, err := hex.DecodeString(value)
	if err != nil {
		return nil, false
	}
	return sig, true
}

// verifySignature reports whether sig is the HMAC-SHA256 of body under one of
// keys. Each comparison is constant-time and every key is tried, so the time
// taken says nothing about how close a forgery came or which key matched.
// Empty keys are skipped: anyone can compute an HMAC under an empty key.
func verifySignature(keys [][]byte, body, sig []byte) bool {
	ok := false
	for _, key := range keys {
		if len(key) == 0 {
			continue
		}
		if hmac.Equal(mac(key, body), sig) {
			ok = true
		}
	}
	return ok
}
