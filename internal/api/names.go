package api

import (
	"regexp"

	"github.com/google/uuid"
)

// MaxNameLength is the longest name of any object, in bytes.
const MaxNameLength = 128

// NamePattern is what a name (of an organization, canvas, secret,
// integration, event source or stage, and of a secret's key) may contain;
// its length is checked against MaxNameLength on its own so that the
// message can say which rule failed. A '/' is never allowed: import IDs use
// it as a separator and names go into URL paths. A name must not be a UUID
// either (IsUUID), and the server refuses "." and "..", which are relative
// URL path segments.
var NamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// IsUUID reports whether s parses as a UUID in any form uuid.Parse accepts:
// canonical, 32 hex digits, in braces, with a "urn:uuid:" prefix, in either
// case. No name of any object may be one: wherever an id or a name is
// accepted, a name that looks like an id would be ambiguous, and a lookup
// that read it as an id would act on a different object. The server's
// validation and the provider's plan-time validators share this predicate so
// the two cannot disagree.
func IsUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

// IsCanonicalID reports whether s is a UUID in its canonical form, lower
// case with dashes (36 characters): the only form in which an id is
// accepted. Anything else is taken as a name.
func IsCanonicalID(s string) bool {
	id, err := uuid.Parse(s)
	return err == nil && s == id.String()
}
