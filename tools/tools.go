//go:build generate

// Package tools pins the documentation tooling in its own module, so that
// tfplugindocs and its dependencies never enter the provider's go.mod.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format the examples first: tfplugindocs copies them verbatim into docs/.
//go:generate terraform fmt -recursive ../examples/

// Generate docs/ from the provider schema, examples/ and templates/. tfplugindocs
// uses the terraform binary found in PATH and only downloads one when none is
// there, so the machine's terraform keeps this step offline.
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name superplane
