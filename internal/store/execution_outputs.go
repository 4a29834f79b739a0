package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"time"
)

// ExecutionOutputs is what a running execution's CI run may push back
// (POST /api/v1/outputs): the execution, the hash of the token minted for
// it and until when that token is valid, and the outputs pushed so far.
type ExecutionOutputs struct {
	Execution Execution
	// TokenHash is the SHA-256 of the execution's output token; nil when
	// none was minted (an http or noop execution, or one started before
	// migration 0011).
	TokenHash      []byte
	TokenExpiresAt time.Time
	// Pushed are the outputs pushed so far, by name; never nil.
	Pushed map[string]string
	// ClosedAt is when the engine took the pushed outputs to finish the
	// execution (CloseOutputs); zero while pushes are taken.
	ClosedAt time.Time
}

// ExecutionOutputStore is the part of Store that keeps what a CI run pushes
// back to its execution.
type ExecutionOutputStore interface {
	// SetExecutionToken stores the hash of the output token minted for
	// owner's started execution id and its expiry. ErrConflict when owner
	// no longer holds it.
	SetExecutionToken(ctx context.Context, id, owner string, hash []byte, expiresAt time.Time) error
	// FindExecutionOutputs returns the execution id of any organization
	// with its token hash and pushed outputs, or ErrNotFound. The caller
	// authenticates the push with what it returns.
	FindExecutionOutputs(ctx context.Context, id string) (ExecutionOutputs, error)
	// PushOutputs merges values into the pushed outputs of the started
	// execution id (a name pushed again takes the new value), in one
	// transaction, and returns the names now pushed, sorted. ErrConflict
	// when the execution is not running (pending or finished) or its
	// outputs were closed (CloseOutputs), or when the merge would hold more
	// than maxCount names; ErrNotFound when it does not exist.
	PushOutputs(ctx context.Context, id string, values map[string]string, maxCount int) ([]string, error)
	// CloseOutputs ends the pushes to owner's started execution id at at
	// and returns what was pushed, in one statement: a push either
	// committed before and is returned, or comes after and is refused.
	// The engine calls it when the run ended, before it finishes the
	// execution. ErrConflict when owner no longer holds it.
	CloseOutputs(ctx context.Context, id, owner string, at time.Time) (map[string]string, error)
}

// SetExecutionToken stores the hash of owner's started execution's output
// token.
func (s *db) SetExecutionToken(ctx context.Context, id, owner string, hash []byte, expiresAt time.Time) error {
	canonical, ok := canonicalID(id)
	if !ok {
		return Conflict("execution %q is not held by %q", id, owner)
	}
	res, err := s.sql.ExecContext(ctx, s.q(`UPDATE executions SET output_token_hash = ?, output_token_expires_at = ?
		WHERE id = ? AND lease_owner = ? AND state = `+sqlExecutionStarted),
		nullBlob(hash), s.nullTime(expiresAt), canonical, owner)
	if err != nil {
		return wrap("set execution token", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return Conflict("execution %q is not held by %q", id, owner)
	}
	return nil
}

// FindExecutionOutputs returns the execution with its token hash, expiry
// and pushed outputs.
func (s *db) FindExecutionOutputs(ctx context.Context, id string) (ExecutionOutputs, error) {
	out, err := s.findExecutionOutputs(ctx, s.sql, id, false)
	return out, wrap("find execution outputs", err)
}

func (s *db) findExecutionOutputs(ctx context.Context, q querier, id string, forUpdate bool) (ExecutionOutputs, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return ExecutionOutputs{}, NotFound("execution %q not found", id)
	}
	query := `SELECT ` + executionColumns + `, ex.output_token_hash, ex.output_token_expires_at, ex.pushed_outputs,
		ex.outputs_closed_at FROM executions ex WHERE ex.id = ?`
	if forUpdate {
		query += s.d.forUpdate
	}
	var (
		out    ExecutionOutputs
		pushed []byte
	)
	dests := append(executionDests(&out.Execution), blobColumn{&out.TokenHash}, nullTimeColumn{&out.TokenExpiresAt}, blobColumn{&pushed},
		nullTimeColumn{&out.ClosedAt})
	err := q.QueryRowContext(ctx, s.q(query), canonical).Scan(dests...)
	if errors.Is(err, sql.ErrNoRows) {
		return ExecutionOutputs{}, NotFound("execution %q not found", id)
	}
	if err != nil {
		return ExecutionOutputs{}, err
	}
	if out.Pushed, err = decodePushed(out.Execution.ID, pushed); err != nil {
		return ExecutionOutputs{}, err
	}
	return out, nil
}

// decodePushed reads the pushed_outputs column; never nil.
func decodePushed(id string, b []byte) (map[string]string, error) {
	out := map[string]string{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, &CorruptError{Record: "execution", ID: id, Field: "pushed outputs", Err: err}
		}
	}
	return out, nil
}

// CloseOutputs ends the pushes to owner's started execution and returns
// what was pushed.
func (s *db) CloseOutputs(ctx context.Context, id, owner string, at time.Time) (map[string]string, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return nil, Conflict("execution %q is not held by %q", id, owner)
	}
	var pushed []byte
	err := s.sql.QueryRowContext(ctx, s.q(`UPDATE executions SET outputs_closed_at = COALESCE(outputs_closed_at, ?)
		WHERE id = ? AND lease_owner = ? AND state = `+sqlExecutionStarted+` RETURNING pushed_outputs`),
		s.time(at), canonical, owner).Scan(blobColumn{&pushed})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Conflict("execution %q is not held by %q", id, owner)
	}
	if err != nil {
		return nil, wrap("close outputs", err)
	}
	return decodePushed(canonical, pushed)
}

// PushOutputs merges values into the started execution's pushed outputs.
func (s *db) PushOutputs(ctx context.Context, id string, values map[string]string, maxCount int) ([]string, error) {
	var names []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.findExecutionOutputs(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if cur.Execution.State != ExecutionStarted {
			return Conflict("execution %q is not running", id)
		}
		if !cur.ClosedAt.IsZero() {
			return Conflict("execution %q is not running: its run ended", id)
		}
		for k, v := range values {
			cur.Pushed[k] = v
		}
		if maxCount > 0 && len(cur.Pushed) > maxCount {
			return Conflict("execution %q would hold more than %d pushed outputs", id, maxCount)
		}
		b, err := json.Marshal(cur.Pushed)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE executions SET pushed_outputs = ? WHERE id = ? AND state = `+sqlExecutionStarted),
			b, cur.Execution.ID); err != nil {
			return err
		}
		for k := range cur.Pushed {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil
	})
	if err != nil {
		return nil, wrap("push outputs", err)
	}
	return names, nil
}
