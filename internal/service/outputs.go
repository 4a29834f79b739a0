package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Outputs takes the outputs a CI run pushes back to its running execution
// (POST /api/v1/outputs). The run proves which execution it is with the
// output token minted for that execution (only its hash is stored) or with
// its CI's OIDC ID token, whose claims must name the run the execution
// started. Values are data: stored as given, never rendered.
type Outputs struct {
	Store store.Store
	Types *integration.Registry
	// Tools holds the OIDC issuer overrides; OIDC verifies ID tokens (nil:
	// only output tokens are accepted).
	Tools *integration.Verifier
	OIDC  *integration.OIDCVerifier
	// Audiences are the audiences an ID token may carry: this server's
	// public URL, or the configured ones.
	Audiences []string
	Now       func() time.Time
}

// Push stores req.Outputs for the execution req.ExecutionID on behalf of
// the holder of credential (the Authorization header's bearer value).
// 400 names a bad field or an undeclared output; 401 a credential that
// does not prove the execution; 409 an execution that is not running.
func (o *Outputs) Push(ctx context.Context, credential string, req api.PushOutputsRequest) (api.PushOutputsResponse, error) {
	if err := checkPush(req); err != nil {
		return api.PushOutputsResponse{}, err
	}
	if credential == "" {
		return api.PushOutputsResponse{}, unauthenticated("missing bearer token: an execution's output token or the run's OIDC ID token")
	}
	cur, err := o.Store.FindExecutionOutputs(ctx, req.ExecutionID)
	if errors.Is(err, store.ErrNotFound) {
		// The same answer as a wrong token: a caller without one learns
		// nothing about which executions exist.
		return api.PushOutputsResponse{}, unauthenticated("the token is not valid for execution %s", req.ExecutionID)
	}
	if err != nil {
		return api.PushOutputsResponse{}, err
	}
	st, err := o.Store.FindStageByID(ctx, cur.Execution.StageID)
	if err != nil {
		return api.PushOutputsResponse{}, err
	}
	spec, err := stageSpec(st)
	if err != nil {
		return api.PushOutputsResponse{}, err
	}
	if strings.HasPrefix(credential, api.OutputTokenPrefix) {
		err = o.checkToken(cur, credential)
	} else {
		err = o.checkIDToken(ctx, cur, spec, credential)
	}
	if err != nil {
		return api.PushOutputsResponse{}, err
	}
	if cur.Execution.State != store.ExecutionStarted {
		return api.PushOutputsResponse{}, errorf(api.CodeAborted, "execution %s is not running (%s): outputs are taken only while it runs", req.ExecutionID, cur.Execution.State)
	}
	declared := map[string]bool{}
	for _, def := range spec.Outputs {
		declared[def.Name] = true
	}
	for _, name := range sortedKeys(req.Outputs) {
		if !declared[name] {
			return api.PushOutputsResponse{}, Invalid("outputs.%s is not an output of stage %s (declared: %s)", clip(name), st.Name, declaredList(spec.Outputs))
		}
	}
	names, err := o.Store.PushOutputs(ctx, cur.Execution.ID, req.Outputs, api.MaxPushedOutputs)
	if errors.Is(err, store.ErrConflict) {
		return api.PushOutputsResponse{}, errorf(api.CodeAborted, "execution %s is not running: outputs are taken only while it runs", req.ExecutionID)
	}
	if err != nil {
		return api.PushOutputsResponse{}, err
	}
	return api.PushOutputsResponse{ExecutionID: cur.Execution.ID, Outputs: names}, nil
}

// checkPush checks the request's fields before anything is looked up.
func checkPush(req api.PushOutputsRequest) error {
	if strings.TrimSpace(req.ExecutionID) == "" {
		return Invalid("executionId is required")
	}
	if !api.IsUUID(req.ExecutionID) {
		return Invalid("executionId must be an execution's id (a UUID)")
	}
	if len(req.Outputs) == 0 {
		return Invalid("outputs is required: an object of output names to string values")
	}
	if len(req.Outputs) > api.MaxPushedOutputs {
		return Invalid("outputs has %d values; at most %d are taken", len(req.Outputs), api.MaxPushedOutputs)
	}
	for _, name := range sortedKeys(req.Outputs) {
		v := req.Outputs[name]
		switch {
		case name == "":
			return Invalid("outputs: an output name is empty")
		case len(v) > api.MaxOutputValueBytes:
			return Invalid("outputs.%s is %d bytes long; at most %d are taken", clip(name), len(v), api.MaxOutputValueBytes)
		case !utf8.ValidString(v) || !utf8.ValidString(name):
			return Invalid("outputs.%s is not valid UTF-8", clip(name))
		}
	}
	return nil
}

// checkToken compares the output token's hash with the execution's, in
// constant time, and its expiry.
func (o *Outputs) checkToken(cur store.ExecutionOutputs, token string) error {
	sum := sha256.Sum256([]byte(token))
	if len(cur.TokenHash) == 0 || subtle.ConstantTimeCompare(sum[:], cur.TokenHash) != 1 {
		return unauthenticated("the token is not valid for execution %s", cur.Execution.ID)
	}
	if !cur.TokenExpiresAt.IsZero() && !o.now().Before(cur.TokenExpiresAt) {
		return unauthenticated("the output token of execution %s expired", cur.Execution.ID)
	}
	return nil
}

// checkIDToken verifies the run's OIDC ID token against the issuer of the
// stage's executor type and checks that its claims name the run the
// execution started.
func (o *Outputs) checkIDToken(ctx context.Context, cur store.ExecutionOutputs, spec api.StageSpec, raw string) error {
	if o.OIDC == nil || o.Types == nil {
		return unauthenticated("the token is not valid for execution %s", cur.Execution.ID)
	}
	identity, ok := o.Types.RunIdentity(spec.Executor.Type)
	if !ok || spec.Executor.Integration == nil {
		return unauthenticated("a %s execution takes outputs only with its output token", spec.Executor.Type)
	}
	in, err := o.integration(ctx, cur.Execution, spec.Executor.Integration)
	if err != nil {
		return unauthenticated("the execution's integration cannot be found to check the ID token: %v", err)
	}
	issuer, toolAudience, err := identity.OIDCIssuer(o.Tools, in.URL)
	if err != nil {
		return unauthenticated("the ID token's issuer cannot be told: %v", err)
	}
	audiences := slices.Clone(o.Audiences)
	if toolAudience != "" {
		audiences = append(audiences, toolAudience)
	}
	claims, err := o.OIDC.Verify(ctx, raw, issuer, audiences)
	if errors.Is(err, integration.ErrOIDCUnavailable) {
		return unavailable("checking the ID token: %v", err)
	}
	if err != nil {
		return unauthenticated("%v", err)
	}
	stored, err := cur.Execution.DecodeResources()
	if err != nil {
		return err
	}
	resources := make([]integration.Resource, 0, len(stored))
	for _, r := range stored {
		resources = append(resources, integration.Resource{ID: r.ID, Type: r.Type, State: r.State, Result: r.Result})
	}
	resourceName := ""
	if spec.Executor.Resource != nil {
		resourceName = spec.Executor.Resource.Name
	}
	if err := identity.MatchRunClaims(claims, in.URL, resourceName, resources); err != nil {
		return unauthenticated("the ID token is not execution %s's run: %v", cur.Execution.ID, err)
	}
	return nil
}

// integration finds the stage executor's integration as the engine does:
// the canvas's own first, then the organization's.
func (o *Outputs) integration(ctx context.Context, ex store.Execution, ref *api.IntegrationRef) (store.Integration, error) {
	domains := [][2]string{{store.DomainCanvas, ex.CanvasID}, {store.DomainOrganization, ex.OrgID}}
	switch ref.DomainType {
	case api.DomainTypeCanvas:
		domains = domains[:1]
	case api.DomainTypeOrganization:
		domains = domains[1:]
	}
	for _, d := range domains {
		in, err := o.Store.FindIntegration(ctx, ex.OrgID, d[0], d[1], ref.Name)
		if err == nil {
			return in, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Integration{}, err
		}
	}
	return store.Integration{}, fmt.Errorf("integration %s not found", ref.Name)
}

func (o *Outputs) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// clip bounds a caller's name quoted in an error.
func clip(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return s
}

func declaredList(defs []api.OutputDefinition) string {
	if len(defs) == 0 {
		return "none"
	}
	names := make([]string, 0, len(defs))
	for _, d := range defs {
		names = append(names, d.Name)
	}
	return strings.Join(names, ", ")
}
