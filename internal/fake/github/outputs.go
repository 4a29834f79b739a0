package github

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/fake/oidc"
)

// SetOutputsCallback makes the runs of owner/repo post cb.Values to
// SuperPlane before they complete, as a workflow step with curl would:
// with the superplane_token input they were dispatched with, or (cb.OIDC)
// with an ID token of the fake's OIDC issuer (Issuer) whose audience is
// cb.ServerURL and whose repository and run_id claims are the run's.
func (s *Server) SetOutputsCallback(ownerLogin, repoName string, cb callback.Outputs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.callbacks == nil {
		s.callbacks = map[string]callback.Outputs{}
	}
	s.callbacks[strings.ToLower(ownerLogin+"/"+repoName)] = cb
}

// OutputPosts returns the posts the runs of owner/repo made, in order.
func (s *Server) OutputPosts(ownerLogin, repoName string) []callback.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts[strings.ToLower(ownerLogin+"/"+repoName)])
}

// SetWorkflowInputs declares the workflow_dispatch inputs of a workflow
// added with AddWorkflow: a dispatch with any other input is refused with
// 422 "Unexpected inputs provided", as GitHub refuses it. Until it is
// called, every input is accepted.
func (s *Server) SetWorkflowInputs(ownerLogin, repoName, file string, inputs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, wf := range s.actions.workflows[strings.ToLower(ownerLogin+"/"+repoName)] {
		if wf.file == file {
			wf.inputs = slices.Clone(inputs)
			if wf.inputs == nil {
				wf.inputs = []string{}
			}
			return
		}
	}
	s.t.Fatalf("fake github: SetWorkflowInputs: unknown workflow %s in %s/%s", file, ownerLogin, repoName)
}

// Issuer is the fake's OIDC issuer of Actions ID tokens (started on first
// use); point SUPERPLANE_GITHUB_OIDC_ISSUER at its URL.
func (s *Server) Issuer() *oidc.Issuer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuerLocked()
}

func (s *Server) issuerLocked() *oidc.Issuer {
	if s.issuer == nil {
		s.issuer = oidc.New(s.t)
	}
	return s.issuer
}

// checkDispatchInputs returns GitHub's 422 message for inputs the workflow
// does not take, or "".
func checkDispatchInputs(wf *workflow, inputs map[string]any) string {
	if len(inputs) > maxInputs {
		return fmt.Sprintf("Invalid request.\n\nNo more than %d properties are allowed; %d were supplied.", maxInputs, len(inputs))
	}
	if wf.inputs == nil {
		return ""
	}
	var unexpected []string
	for k := range inputs {
		if !slices.Contains(wf.inputs, k) {
			unexpected = append(unexpected, strconv.Quote(k))
		}
	}
	if len(unexpected) == 0 {
		return ""
	}
	slices.Sort(unexpected)
	return "Unexpected inputs provided: [" + strings.Join(unexpected, ", ") + "]"
}

// maxInputs is GitHub's limit on a workflow_dispatch event's inputs.
const maxInputs = 10

// callBackLocked makes run's post, once, when its repository has a
// callback. It runs with s.mu held, on the read that completes the run:
// the fake issuer serves its keys on a server of its own.
func (s *Server) callBackLocked(rp *repo, run *workflowRun) {
	cb, ok := s.callbacks[run.repoKey]
	if !ok || run.posted || run.cancelled {
		return
	}
	run.posted = true
	execID, _ := run.inputs["superplane_execution_id"].(string)
	bearer, _ := run.inputs["superplane_token"].(string)
	if cb.OIDC {
		now := time.Now()
		is := s.issuerLocked()
		aud := cb.Audience
		if aud == "" {
			aud = cb.ServerURL
		}
		bearer = is.Sign(map[string]any{
			"iss": is.URL(), "aud": aud,
			"sub":        "repo:" + rp.fullName() + ":ref:refs/heads/" + run.ref,
			"repository": rp.fullName(), "repository_owner": rp.owner.login,
			"run_id": strconv.FormatInt(run.id, 10), "run_number": strconv.Itoa(run.number), "run_attempt": "1",
			"workflow": run.wf.name(), "event_name": "workflow_dispatch", "ref": "refs/heads/" + run.ref,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		})
	}
	p := callback.Send(cb.ServerURL, bearer, execID, cb.Values)
	if s.posts == nil {
		s.posts = map[string][]callback.Post{}
	}
	s.posts[run.repoKey] = append(s.posts[run.repoKey], p)
}
