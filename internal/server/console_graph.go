package server

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// graph is a canvas laid out in columns by depth: event sources first, then
// every connection group and stage one column right of the deepest thing it
// listens to, so events flow left to right.
type graph struct {
	Columns []graphColumn
}

type graphColumn struct {
	Title string
	Nodes []graphNode
}

// graphNode is one box of the graph with its state and what it listens to.
type graphNode struct {
	Kind  string // source, group, stage
	Name  string
	Href  string
	State string
	// Tone colours the state: ok, busy, wait, bad or idle.
	Tone   string
	Detail string
	From   []string
}

type graphKey struct{ typ, name string }

// layoutGraph lays out the canvas's sources, groups and stages.
func (s *Server) layoutGraph(cv store.Canvas, sources []service.Source, groups []store.ConnectionGroup, stages []service.Stage) graph {
	inputs := map[graphKey][]api.Connection{}
	nodes := map[graphKey]graphNode{}
	var order []graphKey
	for _, src := range sources {
		k := graphKey{api.ConnectionTypeEventSource, src.Name}
		nodes[k] = sourceNode(src)
		order = append(order, k)
	}
	for _, g := range groups {
		k := graphKey{api.ConnectionTypeConnectionGroup, g.Name}
		spec, err := service.GroupSpec(g)
		if err != nil {
			s.corrupt(err)
		}
		inputs[k] = spec.Connections
		nodes[k] = graphNode{Kind: "group", Name: g.Name, State: "joins by key", Tone: "idle",
			Detail: fmt.Sprintf("waits %s for the rest", g.Timeout)}
		order = append(order, k)
	}
	for _, st := range stages {
		k := graphKey{api.ConnectionTypeStage, st.Name}
		inputs[k] = s.stageSpec(st.Stage).Connections
		nodes[k] = stageNode(cv, st)
		order = append(order, k)
	}
	// depth is 0 for sources and unknown names, else one more than the
	// deepest input; a cycle (which validation refuses) stops at the
	// node count.
	depth := map[graphKey]int{}
	var walk func(k graphKey, seen int) int
	walk = func(k graphKey, seen int) int {
		if d, ok := depth[k]; ok {
			return d
		}
		if k.typ == api.ConnectionTypeEventSource || seen > len(nodes) {
			return 0
		}
		d := 0
		for _, in := range inputs[k] {
			if _, ok := nodes[graphKey{in.Type, in.Name}]; !ok {
				continue
			}
			d = max(d, walk(graphKey{in.Type, in.Name}, seen+1))
		}
		depth[k] = d + 1
		return d + 1
	}
	var g graph
	for _, k := range order {
		d := walk(k, 0)
		for len(g.Columns) <= d {
			g.Columns = append(g.Columns, graphColumn{})
		}
		n := nodes[k]
		for _, in := range inputs[k] {
			n.From = append(n.From, connectionLabel(in))
		}
		g.Columns[d].Nodes = append(g.Columns[d].Nodes, n)
	}
	for i := range g.Columns {
		if i == 0 {
			g.Columns[i].Title = "Event sources"
		} else {
			g.Columns[i].Title = fmt.Sprintf("Step %d", i)
		}
	}
	return g
}

func connectionLabel(c api.Connection) string {
	switch c.Type {
	case api.ConnectionTypeEventSource:
		return "source " + c.Name
	case api.ConnectionTypeStage:
		return "stage " + c.Name
	case api.ConnectionTypeConnectionGroup:
		return "group " + c.Name
	}
	return c.Name
}

func sourceNode(src service.Source) graphNode {
	n := graphNode{Kind: "source", Name: src.Name, Detail: src.Type, State: "no events yet", Tone: "idle"}
	if ev := src.LastEvent; ev != nil {
		n.State = "last event " + ev.ReceivedAt.UTC().Format("2006-01-02 15:04:05") + " UTC"
		n.Tone = "ok"
		if ev.State == store.EventRejected {
			n.State, n.Tone = "last event rejected", "bad"
		}
	}
	return n
}

// stageNode is a stage's box: what its queue and last execution say.
func stageNode(cv store.Canvas, st service.Stage) graphNode {
	n := graphNode{Kind: "stage", Name: st.Name, Href: "/canvases/" + url.PathEscape(cv.Name) + "/stages/" + url.PathEscape(st.Name),
		State: "idle", Tone: "idle"}
	waiting, pending := 0, 0
	reason := ""
	for _, ev := range st.Queue {
		switch ev.State {
		case store.StageEventWaiting:
			waiting++
			reason = ev.StateReason
		case store.StageEventPending:
			pending++
		}
	}
	if ex := st.LastExecution; ex != nil {
		switch ex.State {
		case store.ExecutionPending, store.ExecutionStarted:
			n.State, n.Tone = "running", "busy"
		default:
			n.State = "last run " + resultLabel(ex.Result)
			n.Tone = "ok"
			if ex.Result != api.ResultPassed {
				n.Tone = "bad"
			}
		}
	}
	switch {
	case waiting > 0 && reason == api.StageEventReasonApproval:
		n.State, n.Tone = "waiting for approval", "wait"
	case waiting > 0:
		n.State, n.Tone = "waiting for its time window", "wait"
	case pending > 0 && n.Tone != "busy":
		n.State, n.Tone = "queued", "busy"
	}
	if st.QueueTotal > 0 {
		n.Detail = fmt.Sprintf("%d in queue", st.QueueTotal)
	}
	return n
}

// resultLabel is an execution result in words.
func resultLabel(result string) string {
	switch result {
	case api.ResultPassed:
		return "passed"
	case api.ResultFailed:
		return "failed"
	case api.ResultCancelled:
		return "cancelled"
	case "", "RESULT_UNKNOWN":
		return "not finished"
	}
	return strings.ToLower(strings.TrimPrefix(result, "RESULT_"))
}
