package github

import "net/http"

// registerUsers serves the authenticated user, users and organizations.
func (s *Server) registerUsers() {
	s.handle("GET /user", "", s.getAuthenticatedUser)
	s.handle("GET /users/{user}", "", s.getUser)
	s.handle("GET /orgs/{org}", "", s.getOrg)
}

// getAuthenticatedUser serves GET /user.
func (s *Server) getAuthenticatedUser(w http.ResponseWriter, _ *http.Request, caller *token) {
	writeJSON(w, http.StatusOK, s.userJSON(s.ownerLocked(caller.login)))
}

// getUser serves GET /users/{user}, which answers organizations too (with
// type "Organization"), as GitHub does.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, _ *token) {
	o := s.ownerLocked(r.PathValue("user"))
	if o == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/users/users#get-a-user")
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(o))
}

// getOrg serves GET /orgs/{org}; a user is not an organization (404).
func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, _ *token) {
	o := s.ownerLocked(r.PathValue("org"))
	if o == nil || !o.isOrg {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/orgs/orgs#get-an-organization")
		return
	}
	org := s.userJSON(o)
	org["url"] = s.URL() + "orgs/" + o.login
	org["repos_url"] = s.URL() + "orgs/" + o.login + "/repos"
	org["hooks_url"] = s.URL() + "orgs/" + o.login + "/hooks"
	org["description"] = nil
	writeJSON(w, http.StatusOK, org)
}
