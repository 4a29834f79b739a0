package service

import (
	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Limits on user input, enforced at create and update.
const (
	// MaxDescriptionLen bounds every object's description.
	MaxDescriptionLen = 4096
	maxNameLen        = api.MaxNameLength
	maxSecretKeys     = 100
	maxSecretBytes    = 64 << 10
)

// ValidateName checks a user-chosen name; field is the JSON path shown to
// the user. A name that parses as a UUID in any form is refused (before the
// pattern, so the message says why): it would be ambiguous wherever an id or
// a name is accepted, and a 32-hex-digit name once made a delete act on
// another object.
func ValidateName(field, name string) error {
	switch {
	case name == "":
		return Invalid("%s is required", field)
	case api.IsUUID(name):
		return Invalid("%s %q must not be a UUID: ids and names are accepted in the same places", field, name)
	case len(name) > maxNameLen:
		return Invalid("%s must be at most %d characters", field, maxNameLen)
	case !api.NamePattern.MatchString(name):
		return Invalid("%s %q may contain only letters, digits, '-', '_' and '.'", field, name)
	case name == "." || name == "..":
		// Names go into URL paths, where these are relative segments.
		return Invalid("%s must not be %q", field, name)
	}
	return nil
}

// validateSecretData checks a secret's data map against the limits.
func validateSecretData(field string, data map[string]string) error {
	if len(data) > maxSecretKeys {
		return Invalid("%s has %d keys; at most %d are allowed", field, len(data), maxSecretKeys)
	}
	size := 0
	for k, v := range data {
		if k == "" || len(k) > maxNameLen || !api.NamePattern.MatchString(k) {
			return Invalid("%s key %q must be 1-%d letters, digits, '-', '_' or '.'", field, k, maxNameLen)
		}
		size += len(k) + len(v)
	}
	if size > maxSecretBytes {
		return Invalid("%s is %d bytes; at most %d are allowed", field, size, maxSecretBytes)
	}
	return nil
}

// validateRef checks a reference to another object by name (a stage's
// secret, an executor's or an event source's integration, an integration's
// secret). Names are never UUIDs, so a UUID there can only be an id; taking
// it would store a reference that names no object, invisible to the in-use
// checks that scan references by name.
func validateRef(field, name string) error {
	if api.IsUUID(name) {
		return Invalid("%s %q must be a name, not an id", field, name)
	}
	return nil
}
