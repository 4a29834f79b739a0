package store

import (
	"context"
	"fmt"
	"strings"
)

// Stages refer to secrets and integrations by name, inside their spec (no
// foreign key can see them), so what uses an object is found by reading the
// specs. The store keeps specs as the server's JSON and imports none of its
// types: stageRefs mirrors only the fields that name another object
// (api.StageSpec's secrets[].valueFrom.secret and executor.integration).

// stageRefs is the part of a stage spec that names secrets and integrations.
type stageRefs struct {
	Secrets []struct {
		ValueFrom *struct {
			Secret *objectRef `json:"secret"`
		} `json:"valueFrom"`
	} `json:"secrets"`
	Executor *struct {
		Type        string     `json:"type"`
		Integration *objectRef `json:"integration"`
	} `json:"executor"`
}

// objectRef is a reference by name, with an optional domain: unset means the
// stage's canvas first, then the organization.
type objectRef struct {
	DomainType string `json:"domainType"`
	Name       string `json:"name"`
	Key        string `json:"key"`
}

// StageUse is a stage that uses a secret or an integration: its name, its
// canvas's name and, for a secret, the keys it reads.
type StageUse struct {
	Stage  string
	Canvas string
	Keys   []string
}

func (u StageUse) String() string { return fmt.Sprintf("stage %q (canvas %q)", u.Stage, u.Canvas) }

// refKind is the table of the referred object: "secrets" or "integrations".
type refKind string

const (
	refSecret      refKind = "secrets"
	refIntegration refKind = "integrations"
)

// refsTo returns the references of the spec of stage id to objects of kind.
// A spec that does not decode is a *CorruptError: read as naming nothing, it
// would let what the stage uses be deleted.
func refsTo(id string, spec []byte, kind refKind) ([]objectRef, error) {
	refs, err := DecodeJSON[stageRefs]("stage", id, "spec", spec)
	if err != nil {
		return nil, err
	}
	var out []objectRef
	switch kind {
	case refSecret:
		for _, s := range refs.Secrets {
			if s.ValueFrom != nil && s.ValueFrom.Secret != nil {
				out = append(out, *s.ValueFrom.Secret)
			}
		}
	case refIntegration:
		// An executor of an integration type uses its integration, and so
		// does an http executor that names one (a cloud integration signs
		// its request; the engine opens any other for masking); noop
		// ignores the field. Naming the built-in ones keeps the store free
		// of the list of integration types, which grows.
		if ex := refs.Executor; ex != nil && ex.Integration != nil && ex.Integration.Name != "" && (ex.Type == "http" || !builtinExecutor(ex.Type)) {
			out = append(out, *ex.Integration)
		}
	}
	return out, nil
}

// builtinExecutor reports whether typ is an executor type of the server's
// own (api.ExecutorHTTP, api.ExecutorNoop), which uses no integration.
func builtinExecutor(typ string) bool { return typ == "http" || typ == "noop" }

// stagesUsing returns the stages whose spec resolves a reference to the
// object of kind called name in domain dom, as the server resolves them at
// create and at run time: a reference with a domain names that domain; one
// without looks in the stage's canvas first, then the organization, so an
// organization object shadowed by a canvas object of the same name is not
// used by that canvas's stages. Ordered by canvas, then stage name. Run in
// the transaction that deletes or changes the object.
func (s *db) stagesUsing(ctx context.Context, q querier, kind refKind, dom domain, name string) ([]StageUse, error) {
	query := `SELECT st.id, st.name, st.canvas_id, c.name, st.spec FROM stages st JOIN canvases c ON c.id = st.canvas_id
		WHERE st.org_id = ?`
	args := []any{dom.org}
	if dom.typ == DomainCanvas {
		query += ` AND st.canvas_id = ?`
		args = append(args, dom.id)
	}
	rows, err := q.QueryContext(ctx, s.q(query+` ORDER BY c.name, st.name`), args...)
	if err != nil {
		return nil, err
	}
	type candidate struct {
		use      StageUse
		canvasID string
		refs     []objectRef
	}
	var candidates []candidate
	for rows.Next() {
		var (
			c    candidate
			id   string
			spec []byte
		)
		if err := rows.Scan(&id, &c.use.Stage, &c.canvasID, &c.use.Canvas, blobColumn{&spec}); err != nil {
			rows.Close()
			return nil, err
		}
		refs, err := refsTo(id, spec, kind)
		if err != nil {
			rows.Close()
			return nil, err
		}
		for _, ref := range refs {
			if ref.Name == name {
				c.refs = append(c.refs, ref)
			}
		}
		if len(c.refs) > 0 {
			candidates = append(candidates, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	shadowed := map[string]bool{} // canvas id -> has an object of the same name
	resolves := func(c candidate, ref objectRef) (bool, error) {
		switch ref.DomainType {
		case DomainCanvas, DomainOrganization:
			return ref.DomainType == dom.typ, nil
		}
		if dom.typ == DomainCanvas {
			return true, nil // the canvas comes first
		}
		has, seen := shadowed[c.canvasID]
		if !seen {
			var n int
			err := q.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM `+string(kind)+`
				WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`),
				dom.org, DomainCanvas, c.canvasID, name).Scan(&n)
			if err != nil {
				return false, err
			}
			has = n > 0
			shadowed[c.canvasID] = has
		}
		return !has, nil
	}
	var uses []StageUse
	for _, c := range candidates {
		used := false
		for _, ref := range c.refs {
			ok, err := resolves(c, ref)
			if err != nil {
				return nil, err
			}
			if ok {
				used = true
				if ref.Key != "" {
					c.use.Keys = append(c.use.Keys, ref.Key)
				}
			}
		}
		if used {
			uses = append(uses, c.use)
		}
	}
	return uses, nil
}

// inUseError is the conflict of deleting what is still used: it names every
// user, e.g. `secret "gh" is used by stage "deploy" (canvas "prod"),
// integration "github"; change or delete them first`.
func inUseError(what, name string, users []string) error {
	return Conflict("%s %q is used by %s; change or delete %s first",
		what, name, strings.Join(users, ", "), map[bool]string{true: "them", false: "it"}[len(users) > 1])
}

// StagesUsingSecret returns the stages that read keys of the secret (see
// stagesUsing), with the keys each reads.
func (s *db) StagesUsingSecret(ctx context.Context, sec Secret) ([]StageUse, error) {
	dom, ok := parseDomain(sec.OrgID, sec.DomainType, sec.DomainID)
	if !ok {
		return nil, nil
	}
	uses, err := s.stagesUsing(ctx, s.sql, refSecret, dom, sec.Name)
	return uses, wrap("list stages using a secret", err)
}

// checkStageRefs makes sure, in the transaction that writes a stage, that
// every secret and integration its spec names still exists, and keeps them
// from being deleted until the transaction ends. The server checked them
// before, outside the transaction; without this a delete between that check
// and the write would miss the new stage (it scans committed stages) and
// leave it naming nothing. On PostgreSQL the rows are locked FOR SHARE: a
// delete holding them FOR UPDATE makes this wait and then find them gone,
// and a delete that comes second waits for this commit and then sees the
// stage. SQLite runs one write transaction at a time.
func (s *db) checkStageRefs(ctx context.Context, q querier, org, canvas, id string, spec []byte) error {
	forShare := ""
	if s.d.forUpdate != "" {
		forShare = " FOR SHARE"
	}
	for _, kind := range []refKind{refSecret, refIntegration} {
		refs, err := refsTo(id, spec, kind)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			var domains [][2]string
			switch ref.DomainType {
			case DomainCanvas:
				domains = [][2]string{{DomainCanvas, canvas}}
			case DomainOrganization:
				domains = [][2]string{{DomainOrganization, org}}
			default:
				domains = [][2]string{{DomainCanvas, canvas}, {DomainOrganization, org}}
			}
			found := false
			for _, d := range domains {
				rows, err := q.QueryContext(ctx, s.q(`SELECT id FROM `+string(kind)+`
					WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`+forShare), org, d[0], d[1], ref.Name)
				if err != nil {
					return err
				}
				found = rows.Next()
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				if found {
					break
				}
			}
			if !found {
				return NotFound("%s %q not found", strings.TrimSuffix(string(kind), "s"), ref.Name)
			}
		}
	}
	return nil
}
