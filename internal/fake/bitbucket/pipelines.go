package bitbucket

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Pipeline is a pipeline run started through the API, as the fake stores
// it.
type Pipeline struct {
	UUID        string
	BuildNumber int
	Workspace   string
	Repo        string
	RefType     string // branch or tag
	RefName     string
	Custom      string // the custom pipeline's name, "" for the branch's pipeline
	Variables   map[string]string
	// Secured names the variables sent with "secured": true.
	Secured []string
	// Stopped says a stopPipeline request reached it while it ran.
	Stopped bool
}

// pipelines is the fake's Pipelines state; its zero value passes every
// pipeline after one read.
type pipelines struct {
	result      string // "" means SUCCESSFUL
	pollsToDone int
	custom      map[string][]string // "workspace/repo" -> custom pipeline names
	runs        []*pipelineRecord
	builds      map[string]int  // "workspace/repo" -> last build number
	outputs     outputCallbacks // outputs.go
}

// pipelineRecord is a pipeline and its progress: PENDING until read, then
// IN_PROGRESS until it was read pollsToDone times, then COMPLETED.
type pipelineRecord struct {
	Pipeline
	result      string
	pollsToDone int
	gets        int
	created     time.Time
}

func (p *pipelineRecord) state() (name, result string) {
	switch {
	case p.Stopped:
		return "COMPLETED", "STOPPED"
	case p.gets > p.pollsToDone:
		return "COMPLETED", p.result
	case p.gets == 0:
		return "PENDING", ""
	}
	return "IN_PROGRESS", ""
}

// SetPipelineResult makes pipelines started from now on complete with
// result (SUCCESSFUL, FAILED, ERROR, STOPPED, EXPIRED) after pollsToDone
// reads in progress. Until it is called they pass after one read.
func (s *Server) SetPipelineResult(result string, pollsToDone int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pipelines.result, s.pipelines.pollsToDone = result, pollsToDone
}

// AddCustomPipeline declares a custom pipeline (custom: <name> in
// bitbucket-pipelines.yml) of workspace/repo; running another custom
// pipeline of it is refused with 400.
func (s *Server) AddCustomPipeline(workspace, repo, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pipelines.custom == nil {
		s.pipelines.custom = map[string][]string{}
	}
	key := workspace + "/" + repo
	s.pipelines.custom[key] = append(s.pipelines.custom[key], name)
}

// Pipelines returns the pipelines started through the API, oldest first.
func (s *Server) Pipelines() []Pipeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Pipeline, 0, len(s.pipelines.runs))
	for _, p := range s.pipelines.runs {
		c := p.Pipeline
		c.Secured = slices.Clone(p.Secured)
		c.Variables = make(map[string]string, len(p.Variables))
		for k, v := range p.Variables {
			c.Variables[k] = v
		}
		out = append(out, c)
	}
	return out
}

// registerPipelines serves running, reading and stopping pipelines.
func (s *Server) registerPipelines() {
	s.handle("POST /2.0/repositories/{workspace}/{repo}/pipelines/{$}", s.runPipeline)
	s.handle("POST /2.0/repositories/{workspace}/{repo}/pipelines", s.runPipeline)
	s.handle("GET /2.0/repositories/{workspace}/{repo}/pipelines/{uuid}", s.getPipeline)
	s.handle("POST /2.0/repositories/{workspace}/{repo}/pipelines/{uuid}/stopPipeline", s.stopPipeline)
}

// variableKey is what Bitbucket accepts as a variable name.
var variableKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// runPipeline serves POST .../pipelines/: 201 with the new pipeline,
// PENDING. The body names a pipeline_ref_target (ref_type branch or tag,
// ref_name, and a custom selector or none) and optional variables.
func (s *Server) runPipeline(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.readableRepoLocked(w, r, c)
	if rp == nil {
		return
	}
	var in struct {
		Target *struct {
			Type     string `json:"type"`
			RefType  string `json:"ref_type"`
			RefName  string `json:"ref_name"`
			Selector *struct {
				Type    string `json:"type"`
				Pattern string `json:"pattern"`
			} `json:"selector"`
		} `json:"target"`
		Variables []struct {
			Key     string `json:"key"`
			Value   string `json:"value"`
			Secured bool   `json:"secured"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Malformed JSON")
		return
	}
	t := in.Target
	switch {
	case t == nil || t.Type != "pipeline_ref_target":
		writeError(w, http.StatusBadRequest, "target: a pipeline_ref_target is required")
		return
	case t.RefType != "branch" && t.RefType != "tag":
		writeError(w, http.StatusBadRequest, "target.ref_type: must be branch or tag")
		return
	case t.RefName == "":
		writeError(w, http.StatusBadRequest, "target.ref_name: This field is required.")
		return
	}
	p := &pipelineRecord{
		Pipeline: Pipeline{
			UUID: newUUID(), Workspace: rp.workspace, Repo: rp.slug,
			RefType: t.RefType, RefName: t.RefName, Variables: map[string]string{},
		},
		result: s.pipelines.result, pollsToDone: s.pipelines.pollsToDone, created: time.Now().UTC(),
	}
	if p.result == "" {
		p.result = "SUCCESSFUL"
	}
	if sel := t.Selector; sel != nil && sel.Type == "custom" {
		if !slices.Contains(s.pipelines.custom[rp.workspace+"/"+rp.slug], sel.Pattern) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"type": "error", "error": map[string]any{
				"message": "bad-request.pipeline-not-found",
				"detail":  "Could not find a custom pipeline named '" + sel.Pattern + "' in bitbucket-pipelines.yml",
			}})
			return
		}
		p.Custom = sel.Pattern
	}
	for _, v := range in.Variables {
		if !variableKey.MatchString(v.Key) {
			writeError(w, http.StatusBadRequest, "variables: invalid variable name '"+v.Key+"'")
			return
		}
		p.Variables[v.Key] = v.Value
		if v.Secured {
			p.Secured = append(p.Secured, v.Key)
		}
	}
	if s.pipelines.builds == nil {
		s.pipelines.builds = map[string]int{}
	}
	s.pipelines.builds[rp.workspace+"/"+rp.slug]++
	p.BuildNumber = s.pipelines.builds[rp.workspace+"/"+rp.slug]
	s.pipelines.runs = append(s.pipelines.runs, p)
	writeJSON(w, http.StatusCreated, s.pipelineJSON(rp, p))
}

// pipelineLocked returns the pipeline of the path (uuid with or without
// braces), or writes 404.
func (s *Server) pipelineLocked(w http.ResponseWriter, r *http.Request, rp *repo) *pipelineRecord {
	for _, p := range s.pipelines.runs {
		if p.Workspace == rp.workspace && p.Repo == rp.slug && sameUUID(p.UUID, r.PathValue("uuid")) {
			return p
		}
	}
	writeError(w, http.StatusNotFound, "Pipeline not found")
	return nil
}

// getPipeline serves GET .../pipelines/{uuid}; each read moves it along.
func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.readableRepoLocked(w, r, c)
	if rp == nil {
		return
	}
	p := s.pipelineLocked(w, r, rp)
	if p == nil {
		return
	}
	if name, _ := p.state(); name != "COMPLETED" {
		p.gets++
		if name, _ := p.state(); name == "COMPLETED" {
			s.callBackLocked(p)
		}
	}
	writeJSON(w, http.StatusOK, s.pipelineJSON(rp, p))
}

// stopPipeline serves POST .../pipelines/{uuid}/stopPipeline: 204, or 400
// for a pipeline that has already completed.
func (s *Server) stopPipeline(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.readableRepoLocked(w, r, c)
	if rp == nil {
		return
	}
	p := s.pipelineLocked(w, r, rp)
	if p == nil {
		return
	}
	if name, _ := p.state(); name == "COMPLETED" {
		writeError(w, http.StatusBadRequest, "The pipeline has already completed.")
		return
	}
	p.Stopped = true
	w.WriteHeader(http.StatusNoContent)
}

// pipelineJSON renders a pipeline as Bitbucket does: state.name with, once
// COMPLETED, state.result.name; IN_PROGRESS carries state.stage.
func (s *Server) pipelineJSON(rp *repo, p *pipelineRecord) map[string]any {
	name, result := p.state()
	state := map[string]any{"name": name, "type": map[string]string{
		"PENDING": "pipeline_state_pending", "IN_PROGRESS": "pipeline_state_in_progress", "COMPLETED": "pipeline_state_completed",
	}[name]}
	switch name {
	case "IN_PROGRESS":
		state["stage"] = map[string]any{"name": "RUNNING", "type": "pipeline_state_in_progress_running"}
	case "COMPLETED":
		state["result"] = map[string]any{"name": result, "type": "pipeline_state_completed_" + strings.ToLower(result)}
	}
	target := map[string]any{"type": "pipeline_ref_target", "ref_type": p.RefType, "ref_name": p.RefName}
	if p.Custom != "" {
		target["selector"] = map[string]any{"type": "custom", "pattern": p.Custom}
	}
	return map[string]any{
		"type":         "pipeline",
		"uuid":         p.UUID,
		"build_number": p.BuildNumber,
		"created_on":   p.created.Format(time.RFC3339Nano),
		"repository":   s.repoJSON(rp),
		"state":        state,
		"target":       target,
		"trigger":      map[string]any{"type": "pipeline_trigger_manual", "name": "MANUAL"},
	}
}
