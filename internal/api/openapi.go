package api

import (
	"bytes"
	_ "embed" // openapi.json is compiled in, so the server serves the description of the code it runs.
)

// openAPI is the OpenAPI 3.1 description of this server's API: the v1
// routes and every extension. The server's tests check it against the routes
// the server registers and against the wire types of this package, so it
// cannot go stale.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns a copy of the OpenAPI description (JSON), as served at GET
// /api/v1/openapi.json.
func OpenAPI() []byte {
	return bytes.Clone(openAPI)
}
