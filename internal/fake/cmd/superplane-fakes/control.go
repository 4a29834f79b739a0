package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// control is the fakes' own loopback endpoint, for a script that plays the
// developer (scripts/demo.sh): push to the repository, then read what the
// tools were asked to run. It is not part of any tool's API. Every request
// needs the fakes' token (Authorization: Bearer TOKEN), so that another
// local user cannot push.
type control struct {
	token       string
	gh          *github.Server
	sem         *semaphore.Server
	owner, repo string
}

// hidden replaces the tokens SuperPlane hands a run (superplane_token,
// SUPERPLANE_TOKEN) in what the control endpoint shows.
const hidden = "(hidden)"

func (c *control) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /push", c.push)
	mux.HandleFunc("GET /runs", c.runs)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(c.token)) != 1 {
			writeControl(w, http.StatusUnauthorized, map[string]string{"message": "send the fakes' token: Authorization: Bearer TOKEN"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// push serves POST /push with an optional body {"ref": "refs/heads/main",
// "after": "<sha>"} (those defaults, and a random sha): the fake GitHub
// delivers a signed push event to the repository's webhooks. 200 with the
// deliveries when every one was accepted, 409 when no webhook subscribes
// to push (SuperPlane has not provisioned one yet), 502 when a receiver
// refused one.
func (c *control) push(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Ref   string `json:"ref"`
		After string `json:"after"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil && len(strings.TrimSpace(string(body))) > 0 {
		err = json.Unmarshal(body, &in)
	}
	if err != nil {
		writeControl(w, http.StatusBadRequest, map[string]string{"message": "body: " + err.Error()})
		return
	}
	if in.Ref == "" {
		in.Ref = "refs/heads/main"
	}
	if in.After == "" {
		raw := make([]byte, 20)
		_, _ = rand.Read(raw)
		in.After = hex.EncodeToString(raw)
	}
	ds := c.gh.Push(c.owner, c.repo, in.Ref, in.After)
	status := http.StatusOK
	if len(ds) == 0 {
		status = http.StatusConflict
	}
	for _, d := range ds {
		if d.Status < 200 || d.Status > 299 {
			status = http.StatusBadGateway
		}
	}
	writeControl(w, status, map[string]any{"repository": c.owner + "/" + c.repo, "ref": in.Ref, "after": in.After, "deliveries": ds})
}

// runs serves GET /runs: the workflow dispatches and runs of the
// repository, the outputs its runs posted back, and the Semaphore
// workflows, with the tokens SuperPlane handed them hidden.
func (c *control) runs(w http.ResponseWriter, _ *http.Request) {
	dispatches := c.gh.Dispatches(c.owner, c.repo)
	for i := range dispatches {
		if _, ok := dispatches[i].Inputs["superplane_token"]; ok {
			dispatches[i].Inputs["superplane_token"] = hidden
		}
	}
	workflows := c.sem.Workflows()
	for i := range workflows {
		if _, ok := workflows[i].Parameters["SUPERPLANE_TOKEN"]; ok {
			workflows[i].Parameters["SUPERPLANE_TOKEN"] = hidden
		}
	}
	writeControl(w, http.StatusOK, map[string]any{
		"github": map[string]any{
			"dispatches":  dispatches,
			"runs":        c.gh.WorkflowRuns(c.owner, c.repo),
			"outputPosts": c.gh.OutputPosts(c.owner, c.repo),
		},
		"semaphore": map[string]any{
			"workflows":   workflows,
			"outputPosts": c.sem.OutputPosts(),
		},
	})
}

func writeControl(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// serveControl serves c on a free loopback port and returns its URL and a
// function that stops it.
func serveControl(c *control) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: c.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
