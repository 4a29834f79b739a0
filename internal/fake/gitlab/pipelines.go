package gitlab

import (
	"crypto/sha1"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Pipeline is a pipeline created through the API, as the fake stores it.
type Pipeline struct {
	ID        int
	ProjectID int
	Ref       string
	Variables map[string]string
	// Cancelled says a cancel request reached the pipeline before it
	// finished.
	Cancelled bool
}

// pipelineState is the fake's pipelines; its zero value has pipelines
// succeed after one read.
type pipelineState struct {
	final       string // "" means success
	pollsToDone int
	configured  bool
	list        []*pipelineRec
	refs        map[int][]string // extra refs by project id; main always exists
	outputs     outputCallbacks  // outputs.go
}

type pipelineRec struct {
	Pipeline
	final       string
	pollsToDone int
	gets        int
	created     time.Time
}

// status is what GitLab would show now: created until the first read,
// running until pollsToDone reads, then the final status; canceled once a
// cancel arrived before the end.
func (p *pipelineRec) status() string {
	switch {
	case p.Cancelled:
		return "canceled"
	case p.gets >= p.pollsToDone && p.gets > 0:
		return p.final
	case p.gets == 0:
		return "created"
	default:
		return "running"
	}
}

func (p *pipelineRec) json(base, path string) map[string]any {
	sum := sha1.Sum([]byte(p.Ref + strconv.Itoa(p.ID)))
	status := p.status()
	out := map[string]any{
		"id": p.ID, "iid": p.ID, "project_id": p.ProjectID, "ref": p.Ref, "sha": hex.EncodeToString(sum[:]),
		"status": status, "source": "api", "tag": false,
		"created_at": timestamp(p.created), "updated_at": timestamp(time.Now()),
		"web_url":    base + "/" + path + "/-/pipelines/" + strconv.Itoa(p.ID),
		"started_at": nil, "finished_at": nil, "duration": nil,
	}
	if status != "created" {
		out["started_at"] = timestamp(p.created)
	}
	return out
}

// SetPipelineOutcome makes pipelines created from now on end with status
// (success, failed, canceled, skipped...) after pollsToDone reads; until it
// is called they succeed after one read. A pipeline is "created" until it
// is first read and "running" in between.
func (s *Server) SetPipelineOutcome(status string, pollsToDone int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pipelines.final, s.pipelines.pollsToDone, s.pipelines.configured = status, pollsToDone, true
}

// AddRef makes ref a branch or tag of the project besides main, so that a
// pipeline can run on it.
func (s *Server) AddRef(path, ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectByPath(path)
	if p == nil {
		panic("fake gitlab: AddRef on unknown project " + path)
	}
	if s.pipelines.refs == nil {
		s.pipelines.refs = map[int][]string{}
	}
	s.pipelines.refs[p.id] = append(s.pipelines.refs[p.id], ref)
}

// Pipelines returns the pipelines created through the API, oldest first.
func (s *Server) Pipelines() []Pipeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Pipeline, 0, len(s.pipelines.list))
	for _, p := range s.pipelines.list {
		c := p.Pipeline
		c.Variables = maps.Clone(p.Variables)
		out = append(out, c)
	}
	return out
}

// registerPipelines serves creating, reading and cancelling pipelines.
func (s *Server) registerPipelines(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v4/projects/{id}/pipeline", s.authenticated(s.createPipeline))
	mux.HandleFunc("GET /api/v4/projects/{id}/pipelines/{pipeline}", s.authenticated(s.getPipeline))
	mux.HandleFunc("POST /api/v4/projects/{id}/pipelines/{pipeline}/cancel", s.authenticated(s.cancelPipeline))
}

// createPipeline serves POST /projects/:id/pipeline: ref is required and
// must exist (400 {"message":{"base":["Reference not found"]}} otherwise);
// variables is a list of {key, value, variable_type}. It needs the
// Developer role.
func (s *Server) createPipeline(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		Ref       string `json:"ref"`
		Variables []struct {
			Key          string `json:"key"`
			Value        string `json:"value"`
			VariableType string `json:"variable_type"`
		} `json:"variables"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectFor(w, r, c, AccessDeveloper)
	if p == nil {
		return
	}
	if in.Ref == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ref is missing"})
		return
	}
	if in.Ref != "main" && !slices.Contains(s.pipelines.refs[p.id], in.Ref) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": map[string]any{"base": []string{"Reference not found"}}})
		return
	}
	vars := map[string]string{}
	for _, v := range in.Variables {
		if v.Key == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "variables[key] is empty"})
			return
		}
		vars[v.Key] = v.Value
	}
	rec := &pipelineRec{
		Pipeline: Pipeline{ID: 1000 + len(s.pipelines.list) + 1, ProjectID: p.id, Ref: in.Ref, Variables: vars},
		final:    "success", pollsToDone: 1, created: time.Now(),
	}
	if s.pipelines.configured {
		rec.final, rec.pollsToDone = s.pipelines.final, s.pipelines.pollsToDone
	}
	s.pipelines.list = append(s.pipelines.list, rec)
	writeJSON(w, http.StatusCreated, rec.json(s.srv.URL, p.path))
}

// pipelineFor finds the {pipeline} of the project; the caller holds s.mu.
func (s *Server) pipelineFor(w http.ResponseWriter, r *http.Request, p *project) *pipelineRec {
	id, _ := strconv.Atoi(r.PathValue("pipeline"))
	for _, x := range s.pipelines.list {
		if x.ID == id && x.ProjectID == p.id {
			return x
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
	return nil
}

// getPipeline serves GET /projects/:id/pipelines/:pipeline_id (Reporter
// and up); each read moves the pipeline along.
func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectFor(w, r, c, AccessReporter)
	if p == nil {
		return
	}
	if x := s.pipelineFor(w, r, p); x != nil {
		before := x.status()
		x.gets++
		if after := x.status(); after != before && !x.Cancelled && (after == x.final) {
			s.callBackLocked(p.path, x)
		}
		writeJSON(w, http.StatusOK, x.json(s.srv.URL, p.path))
	}
}

// cancelPipeline serves POST /projects/:id/pipelines/:pipeline_id/cancel
// (Developer and up): a pipeline still going is canceled; a finished one
// is answered as it is.
func (s *Server) cancelPipeline(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectFor(w, r, c, AccessDeveloper)
	if p == nil {
		return
	}
	if x := s.pipelineFor(w, r, p); x != nil {
		switch x.status() {
		case "created", "running":
			x.Cancelled = true
		}
		writeJSON(w, http.StatusOK, x.json(s.srv.URL, p.path))
	}
}
