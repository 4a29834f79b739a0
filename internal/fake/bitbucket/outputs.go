package bitbucket

import (
	"slices"

	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
)

// outputCallbacks are the repositories whose pipelines post outputs back
// to SuperPlane (by "workspace/repo") and the posts they made.
type outputCallbacks struct {
	byRepo map[string]callback.Outputs
	posts  []callback.Post
}

// SetOutputsCallback makes the pipelines of workspace/repo post cb.Values
// to SuperPlane before they complete, as a step running curl would: with
// the SUPERPLANE_TOKEN variable they were started with (a secured
// variable, which the fake insists on, as a token must never show in a
// pipeline's logs) for the SUPERPLANE_EXECUTION_ID variable.
func (s *Server) SetOutputsCallback(workspace, repo string, cb callback.Outputs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pipelines.outputs.byRepo == nil {
		s.pipelines.outputs.byRepo = map[string]callback.Outputs{}
	}
	s.pipelines.outputs.byRepo[workspace+"/"+repo] = cb
}

// OutputPosts returns the posts the pipelines made, in order.
func (s *Server) OutputPosts() []callback.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pipelines.outputs.posts)
}

// callBackLocked makes the pipeline's post, on the read that finds it
// completed (not stopped), when its repository has a callback.
func (s *Server) callBackLocked(p *pipelineRecord) {
	cb, ok := s.pipelines.outputs.byRepo[p.Workspace+"/"+p.Repo]
	if !ok || p.Stopped {
		return
	}
	execID := p.Variables["SUPERPLANE_EXECUTION_ID"]
	if _, ok := p.Variables["SUPERPLANE_TOKEN"]; ok && !slices.Contains(p.Secured, "SUPERPLANE_TOKEN") {
		s.pipelines.outputs.posts = append(s.pipelines.outputs.posts, callback.Post{ExecutionID: execID, Error: "SUPERPLANE_TOKEN was not a secured variable"})
		return
	}
	s.pipelines.outputs.posts = append(s.pipelines.outputs.posts, callback.Send(cb.ServerURL, p.Variables["SUPERPLANE_TOKEN"], execID, cb.Values))
}
