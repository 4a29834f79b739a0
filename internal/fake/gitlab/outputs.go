package gitlab

import (
	"slices"

	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
)

// outputCallbacks are the projects whose pipelines post outputs back to
// SuperPlane (by full path) and the posts they made.
type outputCallbacks struct {
	byProject map[string]callback.Outputs
	posts     []callback.Post
}

// SetOutputsCallback makes the pipelines of the project at path post
// cb.Values to SuperPlane before they end, as a job running curl would:
// with the SUPERPLANE_TOKEN variable they were created with, for the
// SUPERPLANE_EXECUTION_ID variable.
func (s *Server) SetOutputsCallback(path string, cb callback.Outputs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pipelines.outputs.byProject == nil {
		s.pipelines.outputs.byProject = map[string]callback.Outputs{}
	}
	s.pipelines.outputs.byProject[path] = cb
}

// OutputPosts returns the posts the pipelines made, in order.
func (s *Server) OutputPosts() []callback.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pipelines.outputs.posts)
}

// callBackLocked makes the pipeline's post, on the read that finds it
// ended, when its project has a callback.
func (s *Server) callBackLocked(path string, p *pipelineRec) {
	cb, ok := s.pipelines.outputs.byProject[path]
	if !ok {
		return
	}
	s.pipelines.outputs.posts = append(s.pipelines.outputs.posts,
		callback.Send(cb.ServerURL, p.Variables["SUPERPLANE_TOKEN"], p.Variables["SUPERPLANE_EXECUTION_ID"], cb.Values))
}
