package server

import (
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// pushOutputs serves POST /api/v1/outputs (an extension of v1): a CI run
// pushes outputs to the execution that started it. It takes no API token:
// the bearer is the execution's output token or the run's OIDC ID token,
// which service.Outputs checks against that one execution. Neither is
// logged (the request line never carries a header) nor echoed.
func (s *Server) pushOutputs(w http.ResponseWriter, r *http.Request) {
	var req api.PushOutputsRequest
	if err := decodeBodyUpTo(r, api.MaxPushOutputsRequest, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	credential := ""
	if scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		credential = strings.TrimSpace(value)
	}
	out, err := s.outputs.Push(r.Context(), credential, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
