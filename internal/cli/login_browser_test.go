package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consoleBrowser signs in to the console by pasting token, as a person
// would, then confirms the CLI's sign-in page at signInURL; it follows
// the redirect to the CLI's listener like a browser.
func consoleBrowser(token string) func(string) error {
	return func(signInURL string) error {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return err
		}
		hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
		post := func(path string, form url.Values) (*http.Response, error) {
			req, err := http.NewRequest("POST", srv.url+path, strings.NewReader(form.Encode()))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", srv.url)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return hc.Do(req)
		}
		u, err := url.Parse(signInURL)
		if err != nil {
			return err
		}
		// Signing in brings the browser back to the CLI's page.
		res, err := post("/sign-in", url.Values{"token": {token}, "next": {u.RequestURI()}})
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := csrfField.FindSubmatch(body)
		if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/cli-sign-in" || m == nil {
			return fmt.Errorf("after sign-in: %d at %s", res.StatusCode, res.Request.URL)
		}
		q := u.Query()
		res, err = post("/cli-sign-in", url.Values{"csrf": {string(m[1])}, "port": {q.Get("port")}, "state": {q.Get("state")}, "challenge": {q.Get("challenge")}})
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Request.URL.Host != "127.0.0.1:"+q.Get("port") {
			return fmt.Errorf("confirming: %d at %s", res.StatusCode, res.Request.URL.Host)
		}
		return nil
	}
}

// TestLoginBrowser: login --browser prints the sign-in URL, the browser
// signs in and confirms, and the CLI saves a token of the browser user's
// role, which later commands use; the token is never printed.
func TestLoginBrowser(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "HOME": t.TempDir()}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := Run(ctx, []string{"login", "--url", srv.url, "--browser"}, IO{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] }, Version: "test",
		OpenURL: consoleBrowser(srv.viewerToken),
	})
	if code != 0 {
		t.Fatalf("login --browser: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), srv.url+"/cli-sign-in?") || !strings.Contains(stdout.String(), "role viewer") {
		t.Fatalf("login --browser should print the URL and who signed in:\n%s\n%s", stdout.String(), stderr.String())
	}
	raw, err := os.ReadFile(filepath.Join(env["XDG_CONFIG_HOME"], "superplane", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Token, "spt_") || cfg.Token == srv.viewerToken {
		t.Fatalf("the saved token is not a new API token")
	}
	if strings.Contains(stdout.String()+stderr.String(), cfg.Token) {
		t.Fatal("login --browser printed the token")
	}
	c := &cli{t: t, env: env}
	if out := c.ok("get", "canvases"); out == "" {
		t.Fatal("get canvases with the saved token printed nothing")
	}

	// --browser with --token-stdin is a usage error.
	if r := c.run("login", "--url", srv.url, "--browser", "--token-stdin"); r.code != 2 {
		t.Fatalf("--browser with --token-stdin: exit %d", r.code)
	}
}
