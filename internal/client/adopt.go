package client

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Adoption: Terraform records an object in its state only after the create
// answered. When Terraform dies in between (SIGKILL, a cancelled CI job, a
// state file left truncated), the object exists and the next apply's
// create meets its name taken. The Adopt methods take such an orphan over
// instead, under two conditions that tell it apart from someone else's
// object of the same name:
//
//   - the user of this client's token created it (createdBy), and
//   - this client did not create it itself, and no other create of this
//     client asked for the same name: two resources of one configuration
//     with the same name still fail with the name taken, even when their
//     creates race.
//
// The object is then updated to what the create asked for, so the result is
// what the create would have made (apart from its id and creation time).

// errNotAdoptable says the object holding a name is not an orphan of ours.
type errNotAdoptable struct{ what, name string }

func (e *errNotAdoptable) Error() string {
	return fmt.Sprintf("%s %q exists but was not created by this token's user, or was created by this run", e.what, e.name)
}

// made records, for adoption, the ids of the objects this client created
// and how many of its creates asked for each name (see nameKey).
type made struct {
	mu    sync.Mutex
	ids   map[string]bool
	tries map[string]int
}

// try counts a create of the object named by key, before it is sent.
func (m *made) try(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tries == nil {
		m.tries = map[string]int{}
	}
	m.tries[key]++
}

// others reports whether a create other than the caller's asked for key.
func (m *made) others(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tries[key] > 1
}

// nameKey names an object by kind, scope and name, as creates ask for it.
func nameKey(kind string, scope ...string) string {
	return kind + "\x00" + strings.Join(scope, "\x00")
}

func (m *made) add(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]bool{}
	}
	m.ids[id] = true
}

func (m *made) has(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ids[id]
}

// adoptable reports whether the object id created by createdBy may be
// adopted (see above).
func (c *Client) adoptable(ctx context.Context, id, createdBy, key string) bool {
	me, err := c.cachedMe(ctx)
	if err != nil || me.ID == "" || createdBy != me.ID {
		return false
	}
	return !c.made.has(id) && !c.made.others(key)
}

// AdoptCanvas takes over the canvas called name (see adopt.go) and sets its
// description.
func (c *Client) AdoptCanvas(ctx context.Context, name, description string) (*api.Canvas, error) {
	cv, err := c.GetCanvas(ctx, name)
	if err != nil {
		return nil, err
	}
	if !c.adoptable(ctx, cv.Metadata.ID, cv.Metadata.CreatedBy, nameKey("canvas", name)) {
		return nil, &errNotAdoptable{"canvas", name}
	}
	if cv.Metadata.Description == description {
		return cv, nil
	}
	return c.UpdateCanvas(ctx, cv.Metadata.ID, description)
}

// AdoptSecret takes over the secret called name (see adopt.go) and replaces
// its data with data.
func (c *Client) AdoptSecret(ctx context.Context, domainType, domainID, name string, data map[string]string) (*api.Secret, error) {
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	s, err := c.GetSecret(ctx, dt, did, name)
	if err != nil {
		return nil, err
	}
	if !c.adoptable(ctx, s.Metadata.ID, s.Metadata.CreatedBy, nameKey("secret", dt, did, name)) {
		return nil, &errNotAdoptable{"secret", name}
	}
	if data == nil {
		data = map[string]string{}
	}
	return c.UpdateSecret(ctx, domainType, domainID, s.Metadata.ID, name, data)
}

// AdoptIntegration takes over the integration called p.Name (see
// adopt.go) and replaces its description and spec with p's.
func (c *Client) AdoptIntegration(ctx context.Context, domainType, domainID string, p IntegrationParams) (*api.Integration, error) {
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	in, err := c.GetIntegration(ctx, dt, did, p.Name)
	if err != nil {
		return nil, err
	}
	if !c.adoptable(ctx, in.Metadata.ID, in.Metadata.CreatedBy, nameKey("integration", dt, did, p.Name)) {
		return nil, &errNotAdoptable{"integration", p.Name}
	}
	return c.UpdateIntegration(ctx, domainType, domainID, in.Metadata.ID, p)
}

// AdoptEventSource takes over the event source called p.Name (see
// adopt.go), replaces its description and spec with p's and, for a webhook
// source, resets its key: the orphan's key was lost with the answer that
// carried it.
func (c *Client) AdoptEventSource(ctx context.Context, canvas string, p EventSourceParams) (*api.EventSource, string, error) {
	es, err := c.GetEventSource(ctx, canvas, p.Name)
	if err != nil {
		return nil, "", err
	}
	if !c.adoptable(ctx, es.Metadata.ID, es.Metadata.CreatedBy, nameKey("event source", canvas, p.Name)) {
		return nil, "", &errNotAdoptable{"event source", p.Name}
	}
	es, err = c.UpdateEventSource(ctx, canvas, es.Metadata.ID, p)
	if err != nil {
		return nil, "", err
	}
	if es.Spec == nil || es.Spec.Type != api.EventSourceTypeWebhook {
		return es, "", nil
	}
	return c.ResetEventSourceKeyTo(ctx, canvas, es.Metadata.ID, p.Key)
}

// AdoptStage takes over the stage called p.Name (see adopt.go) and
// replaces its description and spec with p's.
func (c *Client) AdoptStage(ctx context.Context, canvas string, p StageParams) (*api.Stage, error) {
	st, err := c.GetStage(ctx, canvas, p.Name)
	if err != nil {
		return nil, err
	}
	if !c.adoptable(ctx, st.Metadata.ID, st.Metadata.CreatedBy, nameKey("stage", canvas, p.Name)) {
		return nil, &errNotAdoptable{"stage", p.Name}
	}
	return c.UpdateStage(ctx, canvas, st.Metadata.ID, p)
}
