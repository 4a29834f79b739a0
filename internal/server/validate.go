package server

import (
	"errors"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// maxDescriptionLen bounds every object's description; the domains not yet
// in internal/service check it here.
const maxDescriptionLen = service.MaxDescriptionLen

// validateName checks a user-chosen name (see service.ValidateName); the
// domains not yet in internal/service call it here.
func validateName(field, name string) error { return service.ValidateName(field, name) }

// validateRef checks a reference to another object by name (a stage's
// secret, an executor's or an event source's integration, an integration's
// secret). Names are never UUIDs, so a UUID there can only be an id; taking
// it would store a reference that names no object, invisible to the in-use
// checks that scan references by name.
func validateRef(field, name string) error {
	if api.IsUUID(name) {
		return invalid("%s %q must be a name, not an id", field, name)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
