package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// browserSignInTimeout bounds how long login --browser waits for the
// browser to come back.
const browserSignInTimeout = 5 * time.Minute

func randomB64() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// browserToken runs the browser sign-in: a loopback listener on a random
// port, the sign-in URL with a state and a PKCE S256 challenge, the one-time
// code the browser brings back (with the state, checked), traded with the
// verifier for an API token.
func (s *session) browserToken(ctx context.Context, server string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening on 127.0.0.1 for the browser's answer: %w", err)
	}
	defer func() { _ = ln.Close() }()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return "", fmt.Errorf("listening on 127.0.0.1: unexpected address %s", ln.Addr())
	}
	port := addr.Port
	state, verifier := randomB64(), randomB64()
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	signIn := server + "/cli-sign-in?" + url.Values{
		"port": {strconv.Itoa(port)}, "state": {state}, "challenge": {challenge},
	}.Encode()

	type result struct {
		code string
		err  error
	}
	got := make(chan result, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var res result
		switch {
		case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
			// Not the sign-in this CLI started: another page's redirect.
			http.Error(w, "This is not the sign-in the superplane CLI started: run superplane login --browser again.", http.StatusBadRequest)
			res.err = errors.New("the browser came back with another sign-in's state: nothing was saved; run login --browser again")
		case q.Get("code") == "":
			http.Error(w, "No code: sign-in refused.", http.StatusBadRequest)
			res.err = errors.New("the browser came back without a code: nothing was saved")
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = fmt.Fprintln(w, "Signed in: the superplane CLI has its token. You can close this tab.")
			res.code = q.Get("code")
		}
		select {
		case got <- res:
		default:
		}
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()

	_, _ = fmt.Fprintf(s.io.Stderr, "Open this URL in your browser to sign in (waiting up to %s):\n  %s\n", browserSignInTimeout, signIn)
	if s.io.OpenURL != nil {
		if err := s.io.OpenURL(signIn); err != nil {
			_, _ = fmt.Fprintf(s.io.Stderr, "note: the browser could not be opened (%v): open the URL yourself.\n", err)
		}
	}
	wait, cancel := context.WithTimeout(ctx, browserSignInTimeout)
	defer cancel()
	var res result
	select {
	case res = <-got:
	case <-wait.Done():
		return "", fmt.Errorf("no sign-in within %s: nothing was saved; run login --browser again", browserSignInTimeout)
	}
	if res.err != nil {
		return "", res.err
	}
	c, err := s.newClient(server, "")
	if err != nil {
		return "", err
	}
	out, err := c.ExchangeCLISignInCode(ctx, res.code, verifier)
	if err != nil {
		return "", fmt.Errorf("the server refused the sign-in code (%w): nothing was saved; run login --browser again", err)
	}
	return out.Token, nil
}
