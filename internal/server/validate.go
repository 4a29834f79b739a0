package server

import (
	"errors"
	"regexp"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Limits on user input, enforced at create and update.
const (
	maxNameLen        = 128
	maxDescriptionLen = 4096
	maxSecretKeys     = 100
	maxSecretBytes    = 64 << 10
)

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// validateName checks a user-chosen name; field is the JSON path shown to
// the user. A name that parses as a UUID is refused: it would be ambiguous
// wherever an id or a name is accepted.
func validateName(field, name string) error {
	switch {
	case name == "":
		return invalid("%s is required", field)
	case len(name) > maxNameLen:
		return invalid("%s must be at most %d characters", field, maxNameLen)
	case !namePattern.MatchString(name):
		return invalid("%s %q may contain only letters, digits, '-', '_' and '.'", field, name)
	case name == "." || name == "..":
		// Names go into URL paths, where these are relative segments.
		return invalid("%s must not be %q", field, name)
	case isUUID(name):
		return invalid("%s must not be a UUID", field)
	}
	return nil
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// validateSecretData checks a secret's data map against the limits.
func validateSecretData(field string, data map[string]string) error {
	if len(data) > maxSecretKeys {
		return invalid("%s has %d keys; at most %d are allowed", field, len(data), maxSecretKeys)
	}
	size := 0
	for k, v := range data {
		if k == "" || len(k) > maxNameLen || !namePattern.MatchString(k) {
			return invalid("%s key %q must be 1-%d letters, digits, '-', '_' or '.'", field, k, maxNameLen)
		}
		size += len(k) + len(v)
	}
	if size > maxSecretBytes {
		return invalid("%s is %d bytes; at most %d are allowed", field, size, maxSecretBytes)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
