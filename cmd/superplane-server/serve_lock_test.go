package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecondServeRefused: a second serve on a data dir a running serve
// holds stops at once with a message naming the database and saying
// another server holds it, and the token commands keep working beside the
// running one (TestServeTokenRotate runs token create and keys rotate
// beside it too).
func TestSecondServeRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_LISTEN": "127.0.0.1:0"})
	startServe(t, env)

	// Bounded: a second serve that is not refused serves until cancelled.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve"}, io.Discard, io.Discard, env)
	if ctx.Err() != nil {
		t.Fatal("a second serve started on the data dir the first holds")
	}
	db := filepath.Join(dir, "superplane.db")
	if err == nil || !strings.Contains(err.Error(), "another superplane-server serve holds this database") || !strings.Contains(err.Error(), db) {
		t.Fatalf("second serve: %v; want a refusal naming %s", err, db)
	}
	if err := run(context.Background(), []string{"token", "list"}, io.Discard, os.Stderr, env); err != nil {
		t.Fatalf("token list beside the serve: %v", err)
	}
}
