package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// emptyStageStatus is the status of a stage with nothing queued and no
// execution, encoded: most stages of a large canvas, most of the time.
const emptyStageStatus = `{"lastExecution":null,"queue":{"total":0,"items":[]}}`

// writeStageList writes what writeJSON writes for api.ListStagesResponse
// of stageToAPI's stages, byte for byte (TestStageListAnswersTheSameBytes),
// with each spec already encoded (stageSpecsJSON). encoding/json's Encoder
// scans every json.RawMessage and every time.Time it is given again to
// compact it, which was a third of a 300-stage list's CPU once the specs
// were cached; here the encoded parts are copied, the metadata's strings and
// times are written directly when they need no escaping, and a status is
// encoded only when it is not empty.
func (s *Server) writeStageList(w http.ResponseWriter, list []service.Stage, specs []json.RawMessage) {
	size := len(`{"stages":[]}`) + 1
	for i := range list {
		size += len(specs[i]) + 400
	}
	b := make([]byte, 0, size)
	b = append(b, `{"stages":[`...)
	for i, st := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"metadata":`...)
		b = appendStageMetadata(b, st)
		b = append(b, `,"spec":`...)
		b = append(b, specs[i]...)
		b = append(b, `,"status":`...)
		if len(st.Queue) == 0 && st.QueueTotal == 0 && st.LastExecution == nil {
			b = append(b, emptyStageStatus...)
		} else {
			// An api.StageStatus always encodes (its stored JSON parts
			// are checked before they are answered raw).
			status, _ := json.Marshal(s.stageStatusToAPI(st))
			b = append(b, status...)
		}
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// appendStageMetadata appends stageMetadataToAPI(st) as encoding/json
// encodes it; a field it cannot write directly sends the whole struct
// through encoding/json.
func appendStageMetadata(b []byte, st service.Stage) []byte {
	if !plainJSONString(st.ID) || !plainJSONString(st.Name) || !plainJSONString(st.Description) ||
		!plainJSONString(st.CanvasID) || !plainJSONString(st.CreatedBy) || !plainJSONTime(st.CreatedAt) || !plainJSONTime(st.UpdatedAt) {
		meta, _ := json.Marshal(stageMetadataToAPI(st))
		return append(b, meta...)
	}
	b = append(b, `{"id":"`...)
	b = append(b, st.ID...)
	b = append(b, `","name":"`...)
	b = append(b, st.Name...)
	b = append(b, `","description":"`...)
	b = append(b, st.Description...)
	b = append(b, `","canvasId":"`...)
	b = append(b, st.CanvasID...)
	b = append(b, `","createdAt":"`...)
	b = st.CreatedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","updatedAt":"`...)
	b = st.UpdatedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if st.CreatedBy != "" { // omitempty
		b = append(b, `,"createdBy":"`...)
		b = append(b, st.CreatedBy...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// plainJSONString says whether encoding/json writes s as s between quotes:
// printable ASCII without a quote, a backslash or the characters it
// escapes for HTML.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// plainJSONTime says whether time.Time's MarshalJSON writes t as
// RFC3339Nano between quotes: it refuses years past 9999 and before 0, and
// zone offsets of a day or more.
func plainJSONTime(t time.Time) bool {
	y := t.Year()
	_, offset := t.Zone()
	return y >= 0 && y <= 9999 && offset > -86400 && offset < 86400
}
