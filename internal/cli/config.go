package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// The environment variables the tool reads. The first two are the
// provider's, so one pair of variables serves Terraform and the CLI; the
// short forms are accepted too.
const (
	envURL        = "SUPERPLANE_API_URL"
	envToken      = "SUPERPLANE_API_TOKEN"
	envURLShort   = "SUPERPLANE_URL"
	envTokenShort = "SUPERPLANE_TOKEN"
	envCanvas     = "SUPERPLANE_CANVAS"
)

// config is the file login writes: the server and the token. It is the
// only place the token is kept, readable by its owner alone (0600).
type config struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// resolved is the server and token a command uses, and where each came
// from, for the messages that tell the user what to fix.
type resolved struct {
	url, token       string
	urlFrom, tokFrom string // "SUPERPLANE_API_URL", "the config file PATH"...
}

// configPath is $XDG_CONFIG_HOME/superplane/config.json, or
// ~/.config/superplane/config.json when XDG_CONFIG_HOME is unset, as the
// XDG base directory specification says.
func configPath(getenv func(string) string) (string, error) {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := getenv("HOME")
		if home == "" {
			var err error
			if home, err = os.UserHomeDir(); err != nil {
				return "", errors.New("cannot find the configuration directory: set XDG_CONFIG_HOME or HOME")
			}
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "superplane", "config.json"), nil
}

// loadConfig reads the config file; a missing file is an empty config.
func loadConfig(path string) (config, error) {
	var c config
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("reading %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		// The error text of encoding/json quotes no input, so the token
		// cannot leak through it.
		return c, fmt.Errorf("%s is not a superplane configuration (%v): run \"superplane login\" to write it again", path, err)
	}
	return c, nil
}

// saveConfig writes c to path with mode 0600, in a directory of mode 0700,
// through a temporary file renamed over the old one, so a crash leaves the
// old file or the new one and never a token readable by others.
func saveConfig(path string, c config) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return fmt.Errorf("writing the configuration in %s: %w", dir, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	// CreateTemp makes the file 0600 already; Chmod says so explicitly and
	// holds under any umask.
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	return nil
}

// firstEnv returns the first of names set in the environment, and its name.
func firstEnv(getenv func(string) string, names ...string) (string, string) {
	for _, n := range names {
		if v := strings.TrimSpace(getenv(n)); v != "" {
			return v, n
		}
	}
	return "", ""
}

// resolve finds the server and token: the environment first, then the
// config file.
func (s *session) resolve() error {
	path, err := configPath(s.io.Getenv)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	r := resolved{}
	r.url, r.urlFrom = firstEnv(s.io.Getenv, envURL, envURLShort)
	if r.url == "" && cfg.URL != "" {
		r.url, r.urlFrom = cfg.URL, path
	}
	r.token, r.tokFrom = firstEnv(s.io.Getenv, envToken, envTokenShort)
	if r.token == "" && cfg.Token != "" {
		r.token, r.tokFrom = cfg.Token, path
	}
	if r.url == "" || r.token == "" {
		return errors.New(`not logged in: run "superplane login --url URL --token-stdin" with a token from ` +
			`"superplane-server token create" (or set SUPERPLANE_API_URL and SUPERPLANE_API_TOKEN)`)
	}
	s.cfg = r
	return nil
}

// newClient builds the API client for url and token.
func (s *session) newClient(url, token string) (*client.Client, error) {
	v := s.io.Version
	if v == "" {
		v = "dev"
	}
	c, err := client.New(client.Config{
		Endpoint:   url,
		Token:      token,
		UserAgent:  "superplane-cli/" + v,
		HTTPClient: s.io.HTTPClient,
		// A person waits at the terminal: two retries ride out a restart
		// without making a typo in the URL take long to report.
		MaxRetries: 2,
	})
	if err != nil {
		return nil, fmt.Errorf("the server URL: %w", err)
	}
	return c, nil
}

// client returns the session's API client, resolving the server and token
// on first use.
func (s *session) client() (*client.Client, error) {
	if s.c != nil {
		return s.c, nil
	}
	if err := s.resolve(); err != nil {
		return nil, err
	}
	c, err := s.newClient(s.cfg.url, s.cfg.token)
	if err != nil {
		return nil, err
	}
	s.c = c
	return c, nil
}

// canvas returns --canvas, or SUPERPLANE_CANVAS, or a usage error saying
// how to choose one.
func (s *session) canvas() (string, error) {
	if s.opts.canvas != "" {
		return s.opts.canvas, nil
	}
	if v, _ := firstEnv(s.io.Getenv, envCanvas); v != "" {
		return v, nil
	}
	return "", usagef(s.cmd.name, `--canvas is required (list canvases with "superplane get canvases")`)
}
