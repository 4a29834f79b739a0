package server

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// specJSONBudget bounds the bytes the spec cache holds (stored specs and
// their answers together); past it the cache starts again empty, so a
// server with many large canvases pays at most the decoding it paid before.
const specJSONBudget = 8 << 20

// specJSONCache keeps each stage's spec as the list answers it (decoded,
// filled by v1Spec and encoded again), keyed by stage id and checked
// against the stored bytes it came from. Decoding and re-encoding the spec
// was two thirds of listing a canvas's stages (BENCHMARKS.md, issue 17
// round eight), and a stage's spec changes far less often than it is
// listed. The answer is a function of the stored bytes alone, so a hit
// whose stored bytes are equal answers what decoding them again would. The
// zero value is ready to use.
type specJSONCache struct {
	mu    sync.Mutex
	byID  map[string]specJSON
	bytes int
}

type specJSON struct {
	stored, answer []byte
}

// lookup fills answers[i] for each stage whose stored spec the cache
// holds, under one lock for the whole list.
func (c *specJSONCache) lookup(list []service.Stage, answers []json.RawMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, st := range list {
		if e, ok := c.byID[st.ID]; ok && bytes.Equal(e.stored, st.Spec) {
			answers[i] = e.answer
		}
	}
}

// store keeps the answers rendered for the stages at missed.
func (c *specJSONCache) store(list []service.Stage, answers []json.RawMessage, missed []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range missed {
		st := list[i]
		size := len(st.Spec) + len(answers[i])
		if size > specJSONBudget {
			continue
		}
		if c.byID == nil || c.bytes+size > specJSONBudget {
			c.byID, c.bytes = map[string]specJSON{}, 0
		}
		if old, ok := c.byID[st.ID]; ok {
			c.bytes -= len(old.stored) + len(old.answer)
		}
		c.byID[st.ID] = specJSON{stored: bytes.Clone(st.Spec), answer: answers[i]}
		c.bytes += size
	}
}

// stageSpecsJSON returns each stage's spec as stageToAPI answers it,
// encoded: from the cache when the stored bytes match, rendered otherwise.
// A spec that does not decode is logged and answered empty on every list,
// as stageSpec does, and is not cached.
func (s *Server) stageSpecsJSON(list []service.Stage) []json.RawMessage {
	answers := make([]json.RawMessage, len(list))
	s.specJSON.lookup(list, answers)
	var missed []int
	for i, st := range list {
		if answers[i] != nil {
			continue
		}
		spec, ok := s.decodeStageSpec(st.Stage)
		v1Spec(spec)
		// A spec decoded from JSON encodes again: an error here is
		// impossible, and the stage would answer null rather than fail
		// the whole list.
		answer, err := json.Marshal(spec)
		if err != nil {
			answers[i] = json.RawMessage("null")
			continue
		}
		answers[i] = answer
		if ok {
			missed = append(missed, i)
		}
	}
	if len(missed) > 0 {
		s.specJSON.store(list, answers, missed)
	}
	return answers
}
