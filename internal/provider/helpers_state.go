package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Private state holds one number per resource: the server's version of
// what Terraform last wrote (a secret's values, an event source's key), so
// a refresh that finds another version can say the change came from
// outside Terraform. It never holds anything derived from a secret.
const (
	// privateWrittenVersion is a secret's data version right after
	// Terraform last wrote the values.
	privateWrittenVersion = "written_version"
	// privateKeyVersion is an event source's key version right after
	// Terraform created or reset the signing key.
	privateKeyVersion = "written_key_version"
)

// privateGetter and privateSetter are the private-state accessors of the
// framework's requests and responses (req.Private.GetKey,
// resp.Private.SetKey).
type (
	privateGetter func(context.Context, string) ([]byte, diag.Diagnostics)
	privateSetter func(context.Context, string, []byte) diag.Diagnostics
)

// privateInt reads a number from private state; nil when absent (an
// imported object, or a server that reports no versions).
func privateInt(ctx context.Context, get privateGetter, key string) (*int64, diag.Diagnostics) {
	raw, diags := get(ctx, key)
	if diags.HasError() || len(raw) == 0 {
		return nil, diags
	}
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, diags
	}
	return &v, diags
}

// setPrivateInt records v under key; a version of 0 or less (the server
// reports none) clears the key, so no stale number outlives it.
func setPrivateInt(ctx context.Context, set privateSetter, key string, v int64) diag.Diagnostics {
	if v <= 0 {
		return set(ctx, key, nil)
	}
	raw, _ := json.Marshal(v)
	return set(ctx, key, raw)
}
