package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestTokenCreateCanvasMember: token create --role member --canvas C
// makes a canvas-scoped user (canvas_viewer of C unless --canvas-role says
// otherwise); an unknown canvas or role is refused before any token is
// printed.
func TestTokenCreateCanvasMember(t *testing.T) {
	dir := t.TempDir()
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir})
	if _, _, err := runCmd(env, "token", "create", "--init", "--org", "acme", "--role", "owner"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := st.CreateCanvas(ctx, store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"--canvas", "nope"},
		{"--canvas", "prod", "--canvas-role", "org_owner"},
		{"--canvas-role", "canvas_admin"},
	} {
		out, _, err := runCmd(env, append([]string{"token", "create", "--org", "acme", "--role", "member", "--user", "x@example.com"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "--canvas") || out != "" {
			t.Errorf("token create %v: %q, %v; want a refusal naming --canvas and no token", args, out, err)
		}
	}
	out, errOut, err := runCmd(env, "token", "create", "--org", "acme", "--role", "member", "--user", "dev@example.com", "--canvas", "prod", "--canvas-role", "canvas_admin")
	if err != nil || !strings.HasPrefix(out, "spt_") || !strings.Contains(errOut, "canvas_admin of canvas prod") {
		t.Fatalf("token create --canvas prod: %q %q %v", out, errOut, err)
	}
	u, err := st.FindUser(ctx, org.ID, "dev@example.com")
	if err != nil {
		t.Fatal(err)
	}
	grants, err := st.UserGrants(ctx, org.ID, u.ID)
	if err != nil || len(grants) != 1 || grants[0].Role != "canvas_admin" || grants[0].CanvasName != "prod" {
		t.Fatalf("dev's grants: %+v %v", grants, err)
	}
}
