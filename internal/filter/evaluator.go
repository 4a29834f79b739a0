package filter

import (
	"errors"
	"fmt"
)

// Evaluator runs the filters of many sets on one event: its environment is
// set once, not once a filter. A busy canvas runs 100 filters an event, and
// setting and clearing the environment's three entries and taking the
// evaluation from its pool, for each, were about a third of a filter's
// cost outside the virtual machine (BENCHMARKS.md, SQLite's cost a
// delivery, round eight). Each run still gets a fresh budget. An Evaluator
// is for one goroutine; Close gives it back.
type Evaluator struct {
	ev      *evaluation
	payload map[string]any
	headers map[string]string
}

// NewEvaluator returns an Evaluator for an event's payload and headers.
func NewEvaluator(payload map[string]any, headers map[string]string) *Evaluator {
	ev, _ := evaluations.Get().(*evaluation)
	if ev == nil {
		ev = &evaluation{env: make(map[string]any, 3)}
	}
	ev.env[payloadVar], ev.env["headers"], ev.env[budgetVar] = payload, headers, &ev.budget
	return &Evaluator{ev: ev, payload: payload, headers: headers}
}

// Close lets go of the event and returns the evaluation to its pool.
func (e *Evaluator) Close() {
	if e == nil || e.ev == nil {
		return
	}
	e.ev.env[payloadVar], e.ev.env["headers"] = nil, nil
	evaluations.Put(e.ev)
	e.ev, e.payload, e.headers = nil, nil, nil
}

// Match is Set.Match on the Evaluator's event.
func (e *Evaluator) Match(s *Set) (bool, error) {
	if len(s.progs) == 0 {
		return true, nil
	}
	for i, p := range s.progs {
		ok, done := false, false
		if eq := s.eqs[i]; eq != nil {
			ok, done = eq.match(e.payload, e.headers)
		}
		if !done {
			out, err := runIn(e.ev, p)
			if errors.Is(err, ErrLimit) {
				return false, fmt.Errorf("%s: %w", s.fields[i], err)
			}
			ok = err == nil && out == true
		}
		if s.or && ok {
			return true, nil
		}
		if !s.or && !ok {
			return false, nil
		}
	}
	return !s.or, nil
}
