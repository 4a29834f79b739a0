package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// privateInt reads a number from private state; nil when absent.
func privateInt(ctx context.Context, get func(context.Context, string) ([]byte, diag.Diagnostics), key string) (*int64, diag.Diagnostics) {
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

// privateVersion reads the version Terraform last wrote; nil when unknown
// (an imported secret, or a server that reports no versions).
func privateVersion(ctx context.Context, get func(context.Context, string) ([]byte, diag.Diagnostics)) (*int64, diag.Diagnostics) {
	raw, diags := get(ctx, privateWrittenVersion)
	if diags.HasError() || len(raw) == 0 {
		return nil, diags
	}
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, diags
	}
	return &v, diags
}

// setPrivateVersion records the version the server reports after a write.
func setPrivateVersion(ctx context.Context, set func(context.Context, string, []byte) diag.Diagnostics, s *api.Secret) diag.Diagnostics {
	if s.Metadata.Version <= 0 {
		return set(ctx, privateWrittenVersion, nil)
	}
	raw, _ := json.Marshal(s.Metadata.Version)
	return set(ctx, privateWrittenVersion, raw)
}
