package api

import "github.com/google/uuid"

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
