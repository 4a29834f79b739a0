package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
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

// importInCanvas starts the state of an imported object of a canvas from
// "<canvas id or name>/<name or id>": the canvas, and the second part as
// both id and name, since Read looks the object up by either and stores
// the real id. It reports false, with a diagnostic, for a malformed ID.
func importInCanvas(ctx context.Context, kind string, req resource.ImportStateRequest, resp *resource.ImportStateResponse) bool {
	canvas, name, err := parseCanvasImportID(kind, req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return false
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("canvas"), canvas)...)
	importName(ctx, name, resp)
	return true
}

// importScoped starts the state of an imported object of the organization
// or of a canvas from "organization/<name>" or
// "canvas/<canvas id or name>/<name>", as importInCanvas does.
func importScoped(ctx context.Context, kind string, req resource.ImportStateRequest, resp *resource.ImportStateResponse) bool {
	canvas, name, err := parseScopedImportID(kind, req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return false
	}
	if canvas != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("canvas"), canvas)...)
	}
	importName(ctx, name, resp)
	return true
}

// importName sets id and name to the name (or id) of the import ID: Read
// looks the object up by either and stores the real id.
func importName(ctx context.Context, name string, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}
