package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// outputTokenSlack is how long an output token outlives the execution's
// timeout: the run's last step may post just before the execution's end.
// The token is refused anyway as soon as the execution finishes.
const outputTokenSlack = 10 * time.Minute

// mintOutputToken makes a fresh output token for owner's execution id and
// stores only its SHA-256, valid for the executor's timeout plus a little
// slack; the token itself goes to the run and nowhere else.
func (e *Engine) mintOutputToken(ctx context.Context, id, owner string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := api.OutputTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	hash := sha256.Sum256([]byte(token))
	expires := e.timestamp().Add(e.runner.Timeout() + outputTokenSlack)
	if err := e.store.SetExecutionToken(ctx, id, owner, hash[:], expires); err != nil {
		return "", err
	}
	return token, nil
}

// pushedOutputs ends the pushes to owner's execution id (its run ended)
// and returns what was pushed: a push either made it in or is refused with
// 409, never accepted and lost. When that fails, the execution finishes on
// the executor's outputs (a required one missing says so).
func (e *Engine) pushedOutputs(ctx context.Context, id, owner string) map[string]string {
	out, err := e.store.CloseOutputs(ctx, id, owner, e.timestamp())
	if err != nil {
		e.log.WarnContext(ctx, "engine: taking the outputs an execution's run pushed", slog.String("execution", id), slog.String("error", err.Error()))
		return nil
	}
	return out
}
