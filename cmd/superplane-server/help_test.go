package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelp: every way of asking for help succeeds, prints the usage of the
// command asked about once, and touches no database.
func TestHelp(t *testing.T) {
	dir := t.TempDir()
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir})
	cases := []struct {
		args []string
		// want appear in the output (stdout and stderr together) exactly
		// once each; notWant not at all.
		want, notWant []string
	}{
		{args: []string{"--help"}, want: []string{"superplane-server serve", "superplane-server token create", "SUPERPLANE_MAX_RUNNING_PER_ORG"}},
		{args: []string{"help", "token"}, want: []string{"token create", "token list", "token revoke"}, notWant: []string{"superplane-server serve", "keys"}},
		{args: []string{"token", "--help"}, want: []string{"token create", "token list", "token revoke"}, notWant: []string{"superplane-server serve", "unknown command"}},
		{args: []string{"token", "-h"}, want: []string{"token create"}, notWant: []string{"superplane-server serve"}},
		{args: []string{"keys", "help"}, want: []string{"keys rotate", "keys check"}, notWant: []string{"token"}},
		{args: []string{"serve", "--help"}, want: []string{"usage:", "superplane-server serve", "\n  -listen ", "\n  -max-running-per-org "}, notWant: []string{"help requested", "token create"}},
		{args: []string{"token", "create", "-h"}, want: []string{"usage:", "token create --org", "\n  -ttl "}, notWant: []string{"token list", "help requested"}},
		{args: []string{"keys", "rotate", "--help"}, want: []string{"keys rotate", "\n  -rewrap-only\n"}, notWant: []string{"keys check", "help requested"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), tc.args, &stdout, &stderr, env); err != nil {
				t.Fatalf("%v: %v, want success", tc.args, err)
			}
			out := stdout.String() + stderr.String()
			for _, w := range tc.want {
				if n := strings.Count(out, w); n != 1 {
					t.Errorf("%q appears %d times, want once in:\n%s", w, n, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output contains %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestTokenWithoutSubcommand names the subcommands instead of calling the
// whole line unknown.
func TestTokenWithoutSubcommand(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"token"}, &bytes.Buffer{}, &stderr, envFrom(map[string]string{"SUPERPLANE_DATA_DIR": t.TempDir()}))
	if err == nil || !strings.Contains(err.Error(), "create, list or revoke") {
		t.Fatalf("got %v, want an error naming the subcommands", err)
	}
	if strings.Contains(stderr.String(), "superplane-server serve") {
		t.Errorf("usage shows other commands:\n%s", stderr.String())
	}
}
