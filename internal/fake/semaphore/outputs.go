package semaphore

import (
	"slices"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/fake/oidc"
)

// SetOutputsCallback makes the pipelines of the project called projectName
// post cb.Values to SuperPlane before they are done, as a job running curl
// would: with the SUPERPLANE_TOKEN parameter they were started with, or
// (cb.OIDC) with a SEMAPHORE_OIDC_TOKEN of the fake's issuer (Issuer),
// whose audience is the issuer as Semaphore's is, and whose prj_id, wf_id
// and ppl_id claims are the pipeline's.
func (s *Server) SetOutputsCallback(projectName string, cb callback.Outputs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.projects {
		if p.name == projectName {
			if s.callbacks == nil {
				s.callbacks = map[string]callback.Outputs{}
			}
			s.callbacks[p.id] = cb
			return
		}
	}
	panic("fake semaphore: SetOutputsCallback for a project that was not added: " + projectName)
}

// OutputPosts returns the posts the pipelines made, in order.
func (s *Server) OutputPosts() []callback.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts)
}

// Issuer is the fake's OIDC issuer (started on first use); point
// SUPERPLANE_SEMAPHORE_OIDC_ISSUER at its URL.
func (s *Server) Issuer(t TB) *oidc.Issuer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.issuer == nil {
		s.issuer = oidc.New(t)
	}
	return s.issuer
}

// callBackLocked makes the workflow's post, once, when its project has a
// callback. It runs with s.mu held, on the read that finds the pipeline
// done.
func (s *Server) callBackLocked(wf *workflowRecord) {
	cb, ok := s.callbacks[wf.ProjectID]
	if !ok || wf.posted || wf.Terminated {
		return
	}
	wf.posted = true
	bearer := wf.Parameters["SUPERPLANE_TOKEN"]
	if cb.OIDC {
		if s.issuer == nil {
			s.posts = append(s.posts, callback.Post{ExecutionID: wf.Parameters["SUPERPLANE_EXECUTION_ID"], Error: "the fake has no issuer: call Issuer first"})
			return
		}
		now := time.Now()
		ref := wf.Reference
		bearer = s.issuer.Sign(map[string]any{
			"iss": s.issuer.URL(), "aud": s.issuer.URL(),
			"sub":    "org:fake:project:" + wf.ProjectID + ":repo:app:ref_type:branch:ref:" + ref,
			"prj_id": wf.ProjectID, "wf_id": wf.ID, "ppl_id": wf.PipelineID, "job_id": newID(),
			"branch": strings.TrimPrefix(ref, "refs/heads/"), "ref": ref, "ref_type": "branch",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		})
	}
	s.posts = append(s.posts, callback.Send(cb.ServerURL, bearer, wf.Parameters["SUPERPLANE_EXECUTION_ID"], cb.Values))
}
