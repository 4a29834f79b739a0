package executor

import "github.com/superplane/terraform-provider-superplane/internal/redact"

// Redacted is what a secret value is replaced with.
const Redacted = redact.Marker

// MaxMessage bounds an Outcome's Message, in runes. The message is clipped
// only after every secret is masked, so a clip never shows the start of a
// secret.
const MaxMessage = 500

// Redact returns s with every non-empty secret value, and every encoded
// form of those of redact.MinEncoded bytes or more, replaced by "***" (see
// redact.New).
func Redact(s string, secrets []string) string {
	return redact.New(secrets...).Redact(s)
}
