package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// kind is a kind of object get and describe know.
type kind struct {
	name    string   // the plural get takes: "event-sources"
	single  string   // how messages name one: "event source"
	aliases []string // other spellings accepted
	// scope: "" organization, "canvas" needs --canvas, "stage" needs
	// --canvas and --stage, "domain" organization or (with --canvas) canvas.
	scope string
	list  func(ctx context.Context, s *session, q query) error
	// one prints one object by name or id (get KIND NAME, -o json);
	// describe prints it in full.
	one      func(ctx context.Context, s *session, q query, name string) error
	describe func(ctx context.Context, s *session, q query, name string) error
	// describeJSON: describe prints its own JSON (more than one's).
	describeJSON bool
}

// query is the scope a kind's call runs in.
type query struct {
	canvas string
	stage  string
}

// kinds lists every kind in the order help names them.
func kinds() []kind {
	return []kind{
		{name: "canvases", single: "canvas", aliases: []string{"canvas"}, list: listCanvases, one: oneCanvas, describe: describeCanvas},
		{name: "secrets", single: "secret", aliases: []string{"secret"}, scope: "domain", list: listSecrets, one: oneSecret, describe: describeSecret},
		{name: "integrations", single: "integration", aliases: []string{"integration"}, scope: "domain", list: listIntegrations, one: oneIntegration, describe: describeIntegration},
		{name: "event-sources", single: "event source", aliases: []string{"event-source", "sources", "source"}, scope: "canvas", list: listEventSources, one: oneEventSource, describe: describeEventSource},
		{name: "connection-groups", single: "connection group", aliases: []string{"connection-group", "groups", "group"}, scope: "canvas", list: listConnectionGroups, one: oneConnectionGroup, describe: describeConnectionGroup, describeJSON: true},
		{name: "stages", single: "stage", aliases: []string{"stage"}, scope: "canvas", list: listStages, one: oneStage, describe: describeStage},
		{name: "events", single: "event", aliases: []string{"event"}, scope: "canvas", list: listEvents, one: oneEvent, describe: describeEvent},
		{name: "executions", single: "execution", aliases: []string{"execution"}, scope: "stage", list: listExecutions, one: oneExecution, describe: describeExecution},
		{name: "alerts", single: "alert", aliases: []string{"alert"}, scope: "canvas", list: listAlerts, one: oneAlert, describe: describeAlert},
		{name: "rejections", single: "rejection", aliases: []string{"rejection"}, scope: "canvas", list: listRejections, one: oneRejection, describe: describeRejection},
		{name: "service-accounts", single: "service account", aliases: []string{"service-account", "serviceaccounts", "sa"}, list: listServiceAccounts, one: oneServiceAccount, describe: describeServiceAccount, describeJSON: true},
		{name: "audit-events", single: "audit event", aliases: []string{"audit-event", "audit"}, scope: "domain", list: listAuditEvents, one: oneAuditEvent, describe: describeAuditEvent},
	}
}

// kindNames lists the kinds' names, for help and completion.
func kindNames() []string {
	var names []string
	for _, k := range kinds() {
		names = append(names, k.name)
	}
	return names
}

// findKind returns the kind called name (or one of its aliases).
func findKind(name string) (kind, bool) {
	for _, k := range kinds() {
		if k.name == name || slices.Contains(k.aliases, name) {
			return k, true
		}
	}
	return kind{}, false
}

var kindsHelp = `Kinds: canvases, secrets and integrations (of the organization, or of a canvas with
--canvas), and with --canvas: event-sources, connection-groups, stages, events (with
--stage: the stage's queue), executions (with --stage), alerts and rejections (with
--stage: the stage's). Singular names work too (get stage deploy); describe
connection-group shows the keys still waiting for a connection. The organization's
service-accounts (describe lists their tokens, never a token's value) and, for owners
and admins, audit-events: the audit trail, narrowed by --canvas, --actor, --action,
--object-type and --since (24h, or an RFC 3339 time).`

func getCommand() *command {
	return &command{
		name:    "get",
		args:    "KIND [NAME]",
		summary: "list the objects of a kind, or show one",
		help: `Lists the objects of a kind as a table, newest first where the API pages (--limit), or
shows one by name or id. -o json prints the API's answer as it is, the same that
"curl $SUPERPLANE_API_URL/api/v1/..." returns, so scripts can use jq on it.
Secrets show their keys and version, never their values.

` + kindsHelp + `

Examples:
  superplane get canvases
  superplane get stages --canvas production
  superplane get events --canvas production --stage deploy --state waiting
  superplane get stage deploy --canvas production -o json
  superplane get audit-events --canvas production --action approve --since 24h`,
		flags:    []string{"canvas", "stage", "source", "state", "limit", "acked", "actor", "action", "object-type", "since", "output"},
		complete: kindNames(),
		run:      runGet,
	}
}

func describeCommand() *command {
	return &command{
		name:    "describe",
		args:    "KIND NAME",
		summary: "show everything about one object",
		help: `Shows one object in full: its spec, state and what it links to. Events, executions,
alerts and rejections are named by id (from "superplane get").

` + kindsHelp + `

Examples:
  superplane describe canvas production
  superplane describe stage deploy --canvas production
  superplane describe execution 0b9c... --canvas production --stage deploy`,
		flags:    []string{"canvas", "stage", "acked", "actor", "action", "object-type", "since", "output"},
		complete: kindNames(),
		run:      runDescribe,
	}
}

// kindScope checks the flags a kind's scope needs and returns the query.
func (s *session) kindScope(k kind) (query, error) {
	var q query
	switch k.scope {
	case "domain":
		q.canvas = s.opts.canvas
	case "canvas", "stage":
		c, err := s.canvas()
		if err != nil {
			return q, err
		}
		q.canvas = c
		q.stage = s.opts.stage
		if k.scope == "stage" && q.stage == "" && k.name == "executions" {
			// Executions are listed per stage; describe finds one by id
			// in every stage.
			if s.cmd.name != "describe" {
				return q, usagef(s.cmd.name, `--stage is required for executions (list stages with "superplane get stages --canvas %s")`, q.canvas)
			}
		}
	}
	return q, nil
}

func runGet(ctx context.Context, s *session, args []string) error {
	if len(args) == 0 || len(args) > 2 {
		return usagef("get", "give a kind, and optionally a name: superplane get KIND [NAME] (kinds: %s)", strings.Join(kindNames(), ", "))
	}
	k, ok := findKind(args[0])
	if !ok {
		return usagef("get", "unknown kind %q (kinds: %s)", args[0], strings.Join(kindNames(), ", "))
	}
	q, err := s.kindScope(k)
	if err != nil {
		return err
	}
	if _, err := s.client(); err != nil {
		return err
	}
	if len(args) == 2 {
		return k.one(ctx, s, q, args[1])
	}
	return k.list(ctx, s, q)
}

func runDescribe(ctx context.Context, s *session, args []string) error {
	if len(args) != 2 {
		return usagef("describe", "give a kind and a name: superplane describe KIND NAME (kinds: %s)", strings.Join(kindNames(), ", "))
	}
	k, ok := findKind(args[0])
	if !ok {
		return usagef("describe", "unknown kind %q (kinds: %s)", args[0], strings.Join(kindNames(), ", "))
	}
	q, err := s.kindScope(k)
	if err != nil {
		return err
	}
	if _, err := s.client(); err != nil {
		return err
	}
	if s.opts.json() && !k.describeJSON {
		return k.one(ctx, s, q, args[1])
	}
	return k.describe(ctx, s, q, args[1])
}

// domain is the secret or integration domain a query names: the canvas's
// with --canvas, else the organization's.
func (q query) domain() (string, string) {
	if q.canvas != "" {
		return api.DomainTypeCanvas, q.canvas
	}
	return api.DomainTypeOrganization, ""
}

// moreNote tells on standard error that a list has more pages.
func (s *session) moreNote(more bool, what string) {
	if more && !s.opts.json() {
		_, _ = fmt.Fprintf(s.io.Stderr, "(more %s on the server: raise --limit, at most %d)\n", what, maxLimit)
	}
}

func listCanvases(ctx context.Context, s *session, _ query) error {
	list, err := s.c.ListCanvases(ctx)
	if err != nil {
		return s.explain(ctx, err, target{kind: "canvas"})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ListCanvasesResponse{Canvases: list})
	}
	t := newTable(s.io.Stdout, "NAME", "ID", "DESCRIPTION", "CREATED")
	for _, c := range list {
		if m := c.Metadata; m != nil {
			t.row(m.Name, m.ID, m.Description, when(m.CreatedAt))
		}
	}
	return t.flush()
}

func oneCanvas(ctx context.Context, s *session, _ query, name string) error {
	c, err := s.c.GetCanvas(ctx, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "canvas", name: name})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.CanvasResponse{Canvas: c})
	}
	t := newTable(s.io.Stdout, "NAME", "ID", "DESCRIPTION", "CREATED")
	t.row(c.Metadata.Name, c.Metadata.ID, c.Metadata.Description, when(c.Metadata.CreatedAt))
	return t.flush()
}

// maskSecret replaces every value of a secret with api.RedactedValue. This
// server never answers values, but a v1 server might: the CLI shows keys
// and version only, whichever server it talks to.
func maskSecret(sec *api.Secret) {
	if sec.Spec == nil || sec.Spec.Local == nil {
		return
	}
	masked := make(map[string]string, len(sec.Spec.Local.Data))
	for k := range sec.Spec.Local.Data {
		masked[k] = api.RedactedValue
	}
	sec.Spec.Local.Data = masked
}

func secretRow(t *table, sec *api.Secret) {
	m := sec.Metadata
	if m == nil {
		return
	}
	t.row(m.Name, strings.Join(client.SecretKeys(sec), ","), strconv.FormatInt(m.Version, 10), when(m.UpdatedAt))
}

func listSecrets(ctx context.Context, s *session, q query) error {
	dt, did := q.domain()
	list, err := s.c.ListSecrets(ctx, dt, did)
	if err != nil {
		return s.explain(ctx, err, target{kind: "secret", canvas: q.canvas})
	}
	for i := range list {
		maskSecret(&list[i])
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ListSecretsResponse{Secrets: list})
	}
	t := newTable(s.io.Stdout, "NAME", "KEYS", "VERSION", "UPDATED")
	for i := range list {
		secretRow(t, &list[i])
	}
	return t.flush()
}

func getSecret(ctx context.Context, s *session, q query, name string) (*api.Secret, error) {
	dt, did := q.domain()
	sec, err := s.c.GetSecret(ctx, dt, did, name)
	if err != nil {
		return nil, s.explain(ctx, err, target{kind: "secret", name: name, canvas: q.canvas})
	}
	maskSecret(sec)
	return sec, nil
}

func oneSecret(ctx context.Context, s *session, q query, name string) error {
	sec, err := getSecret(ctx, s, q, name)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.SecretResponse{Secret: sec})
	}
	t := newTable(s.io.Stdout, "NAME", "KEYS", "VERSION", "UPDATED")
	secretRow(t, sec)
	return t.flush()
}

func integrationRow(t *table, in *api.Integration) {
	m, sp := in.Metadata, in.Spec
	if m == nil {
		return
	}
	if sp == nil {
		sp = &api.IntegrationSpec{}
	}
	state, checked := "", ""
	if st := in.Status; st != nil {
		state, checked = st.State, when(st.CheckedAt)
	}
	t.row(m.Name, sp.Type, sp.URL, state, checked)
}

func listIntegrations(ctx context.Context, s *session, q query) error {
	dt, did := q.domain()
	list, err := s.c.ListIntegrations(ctx, dt, did)
	if err != nil {
		return s.explain(ctx, err, target{kind: "integration", canvas: q.canvas})
	}
	if list == nil {
		list = []api.Integration{}
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ListIntegrationsResponse{Integrations: list})
	}
	t := newTable(s.io.Stdout, "NAME", "TYPE", "URL", "STATUS", "CHECKED")
	for i := range list {
		integrationRow(t, &list[i])
	}
	return t.flush()
}

func getIntegration(ctx context.Context, s *session, q query, name string) (*api.Integration, error) {
	dt, did := q.domain()
	in, err := s.c.GetIntegration(ctx, dt, did, name)
	if err != nil {
		return nil, s.explain(ctx, err, target{kind: "integration", name: name, canvas: q.canvas})
	}
	return in, nil
}

func oneIntegration(ctx context.Context, s *session, q query, name string) error {
	in, err := getIntegration(ctx, s, q, name)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.IntegrationResponse{Integration: in})
	}
	t := newTable(s.io.Stdout, "NAME", "TYPE", "URL", "STATUS", "CHECKED")
	integrationRow(t, in)
	return t.flush()
}

func sourceRow(t *table, es *api.EventSource) {
	m, sp := es.Metadata, es.Spec
	if m == nil {
		return
	}
	if sp == nil {
		sp = &api.EventSourceSpec{}
	}
	resource, last, hook := "", "", ""
	if sp.Resource != nil {
		resource = sp.Resource.Name
	}
	if st := es.Status; st != nil {
		if st.LastEvent != nil {
			last = when(st.LastEvent.ReceivedAt)
		}
		if st.Webhook != nil {
			hook = st.Webhook.State
		}
	}
	t.row(m.Name, sp.Type, resource, last, hook)
}

func listEventSources(ctx context.Context, s *session, q query) error {
	list, err := s.c.ListEventSources(ctx, q.canvas)
	if err != nil {
		return s.explain(ctx, err, target{kind: "event-source", canvas: q.canvas})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ListEventSourcesResponse{EventSources: list})
	}
	t := newTable(s.io.Stdout, "NAME", "TYPE", "RESOURCE", "LAST EVENT", "WEBHOOK")
	for i := range list {
		sourceRow(t, &list[i])
	}
	return t.flush()
}

func getEventSource(ctx context.Context, s *session, q query, name string) (*api.EventSource, error) {
	es, err := s.c.GetEventSource(ctx, q.canvas, name)
	if err != nil {
		return nil, s.explain(ctx, err, target{kind: "event-source", name: name, canvas: q.canvas})
	}
	return es, nil
}

func oneEventSource(ctx context.Context, s *session, q query, name string) error {
	es, err := getEventSource(ctx, s, q, name)
	if err != nil {
		return err
	}
	if s.opts.json() {
		// The key is answered only by create and reset-key: never here.
		return printJSON(s.io.Stdout, api.EventSourceResponse{EventSource: es})
	}
	t := newTable(s.io.Stdout, "NAME", "TYPE", "RESOURCE", "LAST EVENT", "WEBHOOK")
	sourceRow(t, es)
	return t.flush()
}

// connectionNames lists a stage's (or group's) connections: "release",
// "build (stage)", "ready (group)".
func connectionNames(cs []api.Connection) string {
	var out []string
	for _, c := range cs {
		n := c.Name
		switch c.Type {
		case api.ConnectionTypeStage:
			n += " (stage)"
		case api.ConnectionTypeConnectionGroup:
			n += " (group)"
		}
		out = append(out, n)
	}
	return strings.Join(out, ", ")
}

// lastRun is a stage's last execution for a table: "passed 3s ago".
func lastRun(st *api.Stage) string {
	if st.Status == nil || st.Status.LastExecution == nil {
		return ""
	}
	ex := st.Status.LastExecution
	if ex.State != api.ExecutionStateFinished {
		return short(ex.State)
	}
	return short(ex.Result) + " " + when(ex.FinishedAt)
}

func stageRow(t *table, st *api.Stage) {
	m, sp := st.Metadata, st.Spec
	if m == nil {
		return
	}
	if sp == nil {
		sp = &api.StageSpec{}
	}
	executor := ""
	if sp.Executor != nil {
		executor = sp.Executor.Type
	}
	queue := "0"
	if st.Status != nil && st.Status.Queue != nil {
		queue = strconv.FormatInt(st.Status.Queue.Total, 10)
	}
	t.row(m.Name, connectionNames(sp.Connections), executor, queue, lastRun(st))
}

func listStages(ctx context.Context, s *session, q query) error {
	list, err := s.c.ListStages(ctx, q.canvas)
	if err != nil {
		return s.explain(ctx, err, target{kind: "stage", canvas: q.canvas})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ListStagesResponse{Stages: list})
	}
	t := newTable(s.io.Stdout, "NAME", "CONNECTIONS", "EXECUTOR", "QUEUE", "LAST EXECUTION")
	for i := range list {
		stageRow(t, &list[i])
	}
	return t.flush()
}

func getStage(ctx context.Context, s *session, q query, name string) (*api.Stage, error) {
	st, err := s.c.GetStage(ctx, q.canvas, name)
	if err != nil {
		return nil, s.explain(ctx, err, target{kind: "stage", name: name, canvas: q.canvas})
	}
	return st, nil
}

func oneStage(ctx context.Context, s *session, q query, name string) error {
	st, err := getStage(ctx, s, q, name)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.StageResponse{Stage: st})
	}
	t := newTable(s.io.Stdout, "NAME", "CONNECTIONS", "EXECUTOR", "QUEUE", "LAST EXECUTION")
	stageRow(t, st)
	return t.flush()
}

// writeJSONBlock writes v as indented JSON under a heading, for describe.
func writeJSONBlock(w io.Writer, heading string, v any) {
	_, _ = fmt.Fprintf(w, "%s:\n", heading)
	var b strings.Builder
	_ = printJSON(&b, v)
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		_, _ = fmt.Fprintf(w, "  %s\n", line)
	}
}
