package server

import (
	"errors"

	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// maxDescriptionLen bounds every object's description; the domains not yet
// in internal/service check it here.
const maxDescriptionLen = service.MaxDescriptionLen

// validateName checks a user-chosen name (see service.ValidateName); the
// domains not yet in internal/service call it here.
func validateName(field, name string) error { return service.ValidateName(field, name) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
