package semaphore

import (
	"fmt"
	"net/http"
	"slices"
)

// secret is an organization secret (v1beta). Its values are write-only:
// the API serves the names of its variables and files, never their
// contents.
type secret struct {
	id, name string
	envVars  []envVarJSON
	files    []fileJSON
}

// secretJSON is a v1beta Secret on the wire.
type secretJSON struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	} `json:"metadata"`
	Data struct {
		EnvVars []envVarJSON `json:"env_vars"`
		Files   []fileJSON   `json:"files"`
	} `json:"data"`
}

// envVarJSON is an environment variable of a secret.
type envVarJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// fileJSON is a file of a secret.
type fileJSON struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// Secrets returns the names of the organization's secrets, oldest first.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.secrets))
	for _, sec := range s.secrets {
		names = append(names, sec.name)
	}
	return names
}

// SecretValue returns the value of the environment variable env of the
// secret called name, and whether there is one.
func (s *Server) SecretValue(name, env string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findSecret(name)
	if i < 0 {
		return "", false
	}
	for _, e := range s.secrets[i].envVars {
		if e.Name == env {
			return e.Value, true
		}
	}
	return "", false
}

// RemoveSecret deletes the secret called name behind the API's back and
// reports whether there was one.
func (s *Server) RemoveSecret(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findSecret(name)
	if i < 0 {
		return false
	}
	s.secrets = slices.Delete(s.secrets, i, i+1)
	return true
}

// findSecret returns the index of the secret whose id or name is ref, or
// -1. The caller holds s.mu.
func (s *Server) findSecret(ref string) int {
	return slices.IndexFunc(s.secrets, func(sec *secret) bool { return sec.id == ref || sec.name == ref })
}

// secretView renders sec with every value and file content blanked.
func secretView(sec *secret) secretJSON {
	var out secretJSON
	out.APIVersion, out.Kind = "v1beta", "Secret"
	out.Metadata.Name, out.Metadata.ID = sec.name, sec.id
	out.Data.EnvVars = make([]envVarJSON, 0, len(sec.envVars))
	for _, e := range sec.envVars {
		out.Data.EnvVars = append(out.Data.EnvVars, envVarJSON{Name: e.Name})
	}
	out.Data.Files = make([]fileJSON, 0, len(sec.files))
	for _, f := range sec.files {
		out.Data.Files = append(out.Data.Files, fileJSON{Path: f.Path})
	}
	return out
}

// listSecrets serves GET /api/v1beta/secrets, in one page.
func (s *Server) listSecrets(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	list := make([]secretJSON, 0, len(s.secrets))
	for _, sec := range s.secrets {
		list = append(list, secretView(sec))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"secrets": list, "next_page_token": ""})
}

// getSecret serves GET /api/v1beta/secrets/{id_or_name}.
func (s *Server) getSecret(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findSecret(r.PathValue("ref"))
	if i < 0 {
		writeMessage(w, http.StatusNotFound, "secret not found")
		return
	}
	writeJSON(w, http.StatusOK, secretView(s.secrets[i]))
}

// createSecret serves POST /api/v1beta/secrets. A name already taken is
// 409.
func (s *Server) createSecret(w http.ResponseWriter, r *http.Request) {
	var in secretJSON
	if !decode(w, r, &in) || !validSecret(w, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findSecret(in.Metadata.Name) >= 0 {
		writeMessage(w, http.StatusConflict, fmt.Sprintf("secret %q already exists", in.Metadata.Name))
		return
	}
	sec := &secret{id: newID(), name: in.Metadata.Name, envVars: in.Data.EnvVars, files: in.Data.Files}
	s.secrets = append(s.secrets, sec)
	writeJSON(w, http.StatusOK, secretView(sec))
}

// updateSecret serves PATCH /api/v1beta/secrets/{id_or_name}: the body's
// data replaces the secret's, and its name the secret's when it gives one.
func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request) {
	var in secretJSON
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findSecret(r.PathValue("ref"))
	if i < 0 {
		writeMessage(w, http.StatusNotFound, "secret not found")
		return
	}
	sec := s.secrets[i]
	if in.Metadata.Name == "" {
		in.Metadata.Name = sec.name
	}
	if !validSecret(w, &in) {
		return
	}
	if j := s.findSecret(in.Metadata.Name); j >= 0 && j != i {
		writeMessage(w, http.StatusConflict, fmt.Sprintf("secret %q already exists", in.Metadata.Name))
		return
	}
	sec.name, sec.envVars, sec.files = in.Metadata.Name, in.Data.EnvVars, in.Data.Files
	writeJSON(w, http.StatusOK, secretView(sec))
}

// deleteSecret serves DELETE /api/v1beta/secrets/{id_or_name}.
func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findSecret(r.PathValue("ref"))
	if i < 0 {
		writeMessage(w, http.StatusNotFound, "secret not found")
		return
	}
	s.secrets = slices.Delete(s.secrets, i, i+1)
	writeJSON(w, http.StatusOK, map[string]any{})
}

// validSecret checks a secret's name and variable names, answering 422 and
// returning false when one is missing.
func validSecret(w http.ResponseWriter, in *secretJSON) bool {
	if in.Metadata.Name == "" {
		writeMessage(w, http.StatusUnprocessableEntity, "metadata.name must be set")
		return false
	}
	for _, e := range in.Data.EnvVars {
		if e.Name == "" {
			writeMessage(w, http.StatusUnprocessableEntity, "every env var must have a name")
			return false
		}
	}
	return true
}
