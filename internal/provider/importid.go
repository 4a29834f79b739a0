package provider

import (
	"fmt"
	"strings"
)

// parseCanvasImportID splits the import ID of an object that belongs to a
// canvas: "<canvas id or name>/<name>". kind names the object in the error.
// Neither names nor UUIDs contain '/' (see api.NamePattern), so '/' separates
// unambiguously.
func parseCanvasImportID(kind, id string) (canvas, name string, err error) {
	parts := strings.Split(id, "/")
	if len(parts) == 2 && parts[0] != "" && parts[1] != "" {
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("expected %q, got %q", "<canvas id or name>/<"+kind+" name>", id)
}

// parseScopedImportID splits the import ID of an object that belongs to the
// organization or to a canvas: "organization/<name>" or
// "canvas/<canvas id or name>/<name>". kind names the object in the error
// ("secret", "integration"). Names never contain '/' (see api.NamePattern), so
// '/' separates unambiguously.
func parseScopedImportID(kind, id string) (canvas, name string, err error) {
	parts := strings.Split(id, "/")
	switch {
	case len(parts) == 2 && parts[0] == "organization" && parts[1] != "":
		return "", parts[1], nil
	case len(parts) == 3 && parts[0] == "canvas" && parts[1] != "" && parts[2] != "":
		return parts[1], parts[2], nil
	}
	return "", "", fmt.Errorf("expected %q or %q, got %q",
		"organization/<"+kind+" name>", "canvas/<canvas id or name>/<"+kind+" name>", id)
}
