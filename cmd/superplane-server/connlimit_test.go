package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestConnectionSettings: serve caps connections at 4096 in all and 64 a
// client unless told otherwise, by flag or environment; trusted proxies
// are parsed, and a bad value names its flag.
func TestConnectionSettings(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	cases := []struct {
		args                    []string
		env                     map[string]string
		total, perClient, trust int
		err                     string
	}{
		{nil, nil, 4096, 64, 0, ""},
		{[]string{"--max-connections", "100", "--max-connections-per-client", "0"}, nil, 100, 0, 0, ""},
		{nil, map[string]string{"SUPERPLANE_MAX_CONNECTIONS_PER_CLIENT": "8", "SUPERPLANE_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"}, 4096, 8, 2, ""},
		{[]string{"--trusted-proxies", "proxy.internal"}, nil, 0, 0, 0, "--trusted-proxies"},
		{[]string{"--max-connections", "-1"}, nil, 0, 0, 0, "--max-connections"},
	}
	for _, tc := range cases {
		var c config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		c.bind(fs, envFrom(tc.env), true)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		cfg, err := c.connLimits(log)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("args %v: %v, want an error naming %s", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("args %v, env %v: %v", tc.args, tc.env, err)
		}
		if got := fmt.Sprint(cfg.Total, cfg.PerClient, len(cfg.TrustedProxies)); got != fmt.Sprint(tc.total, tc.perClient, tc.trust) {
			t.Errorf("args %v, env %v: total, per client, proxies %s; want %d %d %d", tc.args, tc.env, got, tc.total, tc.perClient, tc.trust)
		}
	}
}
