package api

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Bounds of a signing key a user supplies for a custom webhook source
// (this project's extension: `key` on create and on reset-key). The lower
// bound keeps a key at least as strong as a 128-bit random one written in
// hex; the upper one keeps it a key, not a payload.
const (
	MinSourceKeyLen = 32
	MaxSourceKeyLen = 256
	// MinStandardKeyBytes and MaxStandardKeyBytes bound the decoded bytes
	// of a whsec_ secret (Standard Webhooks recommends 24 to 64).
	MinStandardKeyBytes = 24
	MaxStandardKeyBytes = 64
)

// StandardKeyPrefix starts a Standard Webhooks secret: whsec_<base64>.
const StandardKeyPrefix = "whsec_"

// SourceKeyBytes checks a signing key supplied for a webhook source whose
// spec.signatureScheme is scheme and returns the bytes senders sign with:
// for the default scheme the key as given (printable ASCII, no spaces, so
// that it survives every config file and environment variable it is put
// in); for Standard Webhooks a whsec_ secret, whose base64 decodes to the
// HMAC key. The error says what is wrong without quoting the key.
func SourceKeyBytes(scheme, key string) ([]byte, error) {
	if scheme == SignatureSchemeStandardWebhooks {
		enc, ok := strings.CutPrefix(key, StandardKeyPrefix)
		if !ok {
			return nil, fmt.Errorf("must be a Standard Webhooks secret, %s<base64>", StandardKeyPrefix)
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("must be %s followed by standard base64", StandardKeyPrefix)
		}
		if len(raw) < MinStandardKeyBytes || len(raw) > MaxStandardKeyBytes {
			return nil, fmt.Errorf("must decode to %d to %d bytes, not %d", MinStandardKeyBytes, MaxStandardKeyBytes, len(raw))
		}
		return raw, nil
	}
	if len(key) < MinSourceKeyLen || len(key) > MaxSourceKeyLen {
		return nil, fmt.Errorf("must be %d to %d characters long, not %d", MinSourceKeyLen, MaxSourceKeyLen, len(key))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return nil, fmt.Errorf("must be printable ASCII without spaces (character %d is not)", i+1)
		}
	}
	return []byte(key), nil
}
