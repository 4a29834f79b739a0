package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// The organization's own objects for get and describe: its service
// accounts (with their tokens' records, never a token's value) and its
// audit trail (owners and admins only, as the API).

func serviceAccountRow(t *table, a *api.ServiceAccount) {
	m, sp := a.Metadata, a.Spec
	if m == nil {
		return
	}
	if sp == nil {
		sp = &api.ServiceAccountSpec{}
	}
	t.row(m.Name, sp.Role, m.ID, m.Description, when(m.CreatedAt))
}

func listServiceAccounts(ctx context.Context, s *session, _ query) error {
	list, err := s.c.ListServiceAccounts(ctx)
	if err != nil {
		return s.explain(ctx, err, target{kind: "service account", op: "list service accounts"})
	}
	if list == nil {
		list = []api.ServiceAccount{}
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ListServiceAccountsResponse{ServiceAccounts: list})
	}
	t := newTable(s.io.Stdout, "NAME", "ROLE", "ID", "DESCRIPTION", "CREATED")
	for i := range list {
		serviceAccountRow(t, &list[i])
	}
	return t.flush()
}

func getServiceAccount(ctx context.Context, s *session, name string) (*api.ServiceAccount, error) {
	a, err := s.c.GetServiceAccount(ctx, name)
	if err != nil {
		return nil, s.explain(ctx, err, target{kind: "service account", name: name, op: "read service accounts"})
	}
	return a, nil
}

func oneServiceAccount(ctx context.Context, s *session, _ query, name string) error {
	a, err := getServiceAccount(ctx, s, name)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ServiceAccountResponse{ServiceAccount: a})
	}
	t := newTable(s.io.Stdout, "NAME", "ROLE", "ID", "DESCRIPTION", "CREATED")
	serviceAccountRow(t, a)
	return t.flush()
}

// describeServiceAccount shows the account and its tokens: name, id,
// expiry and last use (a token's value is shown once, when created).
func describeServiceAccount(ctx context.Context, s *session, _ query, name string) error {
	a, err := getServiceAccount(ctx, s, name)
	if err != nil {
		return err
	}
	tokens, err := s.c.ListServiceAccountTokens(ctx, name)
	if err != nil {
		return s.explain(ctx, err, target{kind: "service account", name: name, op: "read service accounts"})
	}
	if tokens == nil {
		tokens = []api.ServiceAccountToken{}
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, struct {
			ServiceAccount *api.ServiceAccount       `json:"serviceAccount"`
			Tokens         []api.ServiceAccountToken `json:"tokens"`
		}{a, tokens})
	}
	f := newFields(s.io.Stdout)
	f.add("Name", a.Metadata.Name)
	f.add("ID", a.Metadata.ID)
	if a.Spec != nil {
		f.add("Role", a.Spec.Role)
	}
	f.add("Description", a.Metadata.Description)
	f.add("Created", when(a.Metadata.CreatedAt))
	f.add("Tokens", strconv.Itoa(len(tokens)))
	if err := f.flush(); err != nil {
		return err
	}
	if len(tokens) == 0 {
		return nil
	}
	_, _ = fmt.Fprintln(s.io.Stdout)
	t := newTable(s.io.Stdout, "TOKEN", "ID", "EXPIRES", "LAST USED")
	for _, tk := range tokens {
		t.row(tk.Name, tk.ID, when(tk.ExpiresAt), when(tk.LastUsedAt))
	}
	return t.flush()
}

// auditQuery is the audit trail's filter from the flags: --canvas,
// --actor, --action, --object-type and --since.
func (s *session) auditQuery(q query) (client.AuditQuery, error) {
	aq := client.AuditQuery{Canvas: q.canvas, Actor: s.opts.actor, Action: s.opts.action, ObjectType: s.opts.objectType, Limit: s.opts.limit}
	if v := s.opts.since; v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			aq.Since = time.Now().Add(-d)
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			aq.Since = t
		} else {
			return aq, usagef(s.cmd.name, "--since must be a duration back from now (24h) or an RFC 3339 time (2026-12-06T09:00:00Z), not %q", v)
		}
	}
	return aq, nil
}

// auditActor names a record's actor: the user's email, or the execution.
func auditActor(e *api.AuditEvent) string {
	if e.ActorEmail != "" {
		return e.ActorEmail
	}
	return e.ActorType + " " + e.ActorID
}

// auditObject names a record's object: its type and name (or id).
func auditObject(e *api.AuditEvent) string {
	name := e.ObjectName
	if name == "" {
		name = e.ObjectID
	}
	return strings.TrimSpace(e.ObjectType + " " + name)
}

func auditRow(t *table, e *api.AuditEvent) {
	t.row(when(e.At), auditActor(e), e.Action, auditObject(e), e.CanvasName, e.Outcome+" ("+strconv.FormatInt(e.Status, 10)+")", e.ID)
}

func listAuditEvents(ctx context.Context, s *session, q query) error {
	aq, err := s.auditQuery(q)
	if err != nil {
		return err
	}
	out, err := s.c.ListAuditEvents(ctx, aq)
	if err != nil {
		return s.explain(ctx, err, target{kind: "audit event", op: "read the audit trail"})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, out)
	}
	t := newTable(s.io.Stdout, "AT", "ACTOR", "ACTION", "OBJECT", "CANVAS", "OUTCOME", "ID")
	for i := range out.AuditEvents {
		auditRow(t, &out.AuditEvents[i])
	}
	s.moreNote(out.HasNextPage, "audit events")
	return t.flush()
}

// findAuditEvent looks a record up by id among the newest that match the
// flags: the API lists records but has no call for one.
func findAuditEvent(ctx context.Context, s *session, q query, id string) (*api.AuditEvent, error) {
	aq, err := s.auditQuery(q)
	if err != nil {
		return nil, err
	}
	aq.Limit = scanPage
	for range scanPages {
		out, err := s.c.ListAuditEvents(ctx, aq)
		if err != nil {
			return nil, s.explain(ctx, err, target{kind: "audit event", name: id, op: "read the audit trail"})
		}
		for i := range out.AuditEvents {
			if out.AuditEvents[i].ID == id {
				return &out.AuditEvents[i], nil
			}
		}
		if !out.HasNextPage || len(out.AuditEvents) == 0 || out.LastTimestamp == nil {
			break
		}
		aq.Before, aq.BeforeID = *out.LastTimestamp, out.AuditEvents[len(out.AuditEvents)-1].ID
	}
	return nil, fmt.Errorf("audit event %q not found among the newest %d records: list them with %q, narrowed by --canvas, --actor, --action or --since",
		id, scanPages*scanPage, "superplane get audit-events")
}

func oneAuditEvent(ctx context.Context, s *session, q query, id string) error {
	e, err := findAuditEvent(ctx, s, q, id)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, e)
	}
	t := newTable(s.io.Stdout, "AT", "ACTOR", "ACTION", "OBJECT", "CANVAS", "OUTCOME", "ID")
	auditRow(t, e)
	return t.flush()
}

func describeAuditEvent(ctx context.Context, s *session, q query, id string) error {
	e, err := findAuditEvent(ctx, s, q, id)
	if err != nil {
		return err
	}
	f := newFields(s.io.Stdout)
	f.add("ID", e.ID)
	f.add("At", when(e.At))
	f.add("Actor", auditActor(e))
	f.add("Action", e.Action)
	f.add("Object", auditObject(e))
	if e.ObjectID != "" && e.ObjectName != "" {
		f.add("Object ID", e.ObjectID)
	}
	f.add("Canvas", e.CanvasName)
	f.add("Outcome", e.Outcome+" ("+strconv.FormatInt(e.Status, 10)+")")
	f.add("Request", e.Method+" "+e.Route)
	via := "API token " + e.TokenID
	if e.SessionID != "" {
		via = "console session " + e.SessionID + " (token " + e.TokenID + ")"
	}
	if e.ActorType == "execution" {
		via = "CI run of execution " + e.ActorID
	}
	f.add("Via", via)
	f.add("Client", strings.TrimSpace(e.ClientIP+" "+e.UserAgent))
	f.add("Request ID", e.RequestID)
	return f.flush()
}
