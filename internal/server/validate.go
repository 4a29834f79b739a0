package server

import (
	"errors"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
