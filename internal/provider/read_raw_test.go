package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// mutation is a server answer with one field changed.
type mutation[A any] struct {
	what string
	v    *A
}

// jsonMutations returns base with each leaf of its JSON changed, one at a
// time (a string gets a suffix or, for a time, an hour; a number grows by
// one; a bool flips), and each list with its last element removed, so that
// every field the server answers is changed once, fields added later too.
func jsonMutations[A any](t *testing.T, base *A) []mutation[A] {
	t.Helper()
	b, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	var out []mutation[A]
	var walk func(path string, v any, set func(any))
	emit := func(path string, set func(any), nv, old any) {
		set(nv)
		mb, err := json.Marshal(tree)
		set(old)
		if err != nil {
			t.Fatal(err)
		}
		var m A
		if err := json.Unmarshal(mb, &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, mutation[A]{what: path, v: &m})
	}
	walk = func(path string, v any, set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(path+"."+k, x[k], func(nv any) { x[k] = nv })
			}
		case []any:
			if len(x) > 0 {
				emit(path+" (last removed)", set, x[:len(x)-1], x)
			}
			for i := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), x[i], func(nv any) { x[i] = nv })
			}
		case string:
			nv := x + "x"
			if ts, err := time.Parse(time.RFC3339, x); err == nil {
				nv = ts.Add(time.Hour).Format(time.RFC3339)
			}
			emit(path, set, nv, x)
		case float64:
			emit(path, set, x+1, x)
		case bool:
			emit(path, set, !x, x)
		}
	}
	walk("", tree, func(nv any) { tree = nv })
	return out
}

// nullEmptyBlocks returns m with its empty top-level lists of blocks null,
// as the framework hands a prior state to Read.
func nullEmptyBlocks[T any](m *T, blocks blockTree) *T {
	out := *m
	v := reflect.ValueOf(&out).Elem()
	for name, i := range fieldsOf(reflect.TypeFor[T]()).index {
		if _, isBlock := blocks[name]; !isBlock {
			continue
		}
		if l, ok := v.Field(i).Interface().(types.List); ok && !l.IsNull() && len(l.Elements()) == 0 {
			v.Field(i).Set(reflect.ValueOf(types.ListNull(l.ElementType(context.Background()))))
		}
	}
	return &out
}

// checkReadFromRaw: for a state stored from base (as Create or the last
// refresh stored it) and each change of the server's answer, the raw
// comparison (readPrior, sameAsRaw) decides as the model comparison does
// (getModel, setRefreshed's sameRefreshed), builds the same model, and
// sees no change in base itself. It returns how many changes were seen.
func checkReadFromRaw[A, T any](t *testing.T, r resource.Resource, base *A, prior *T, build func(*A, *T) (*T, diag.Diagnostics)) int {
	t.Helper()
	ctx := context.Background()
	blocks := blocksFor[T](t, r)
	stored, d := build(base, prior)
	if d.HasError() {
		t.Fatal(d)
	}
	seen := 0
	for _, variant := range []struct {
		name  string
		model *T
	}{{"as built", stored}, {"empty blocks null", nullEmptyBlocks(stored, blocks)}} {
		state := emptyState(t, r)
		if d := setStateModel(ctx, &state, variant.model); d.HasError() {
			t.Fatal(d)
		}
		var full T
		if d := getModel(ctx, state, &full); d.HasError() {
			t.Fatal(d)
		}
		fast, raw, ok := readPrior[T](ctx, state)
		if !ok {
			t.Fatalf("%s: readPrior did not take the state", variant.name)
		}
		changes := append([]mutation[A]{{what: "nothing", v: base}}, jsonMutations(t, base)...)
		for _, c := range changes {
			viaModel, d := build(c.v, &full)
			if d.HasError() {
				continue // an answer the provider refuses either way
			}
			viaRaw, d := build(c.v, fast)
			if d.HasError() {
				t.Fatalf("%s, %s: refused with the attributes only: %v", variant.name, c.what, d)
			}
			if !sameModel(viaRaw, viaModel) {
				t.Errorf("%s, %s: the model built from the attributes only differs:\n%+v\n%+v", variant.name, c.what, viaRaw, viaModel)
			}
			want := sameRefreshed(viaModel, &full, blocks)
			if got := sameAsRaw(viaRaw, raw, blocks); got != want {
				t.Errorf("%s, %s: the raw comparison says unchanged=%v, the models' %v", variant.name, c.what, got, want)
			}
			if c.what == "nothing" && !want {
				t.Errorf("%s: an unchanged answer counts as a change", variant.name)
			}
			if !want {
				seen++
			}
		}
	}
	return seen
}

// TestReadFromRawSeesEveryChange: the Reads of secrets, event sources and
// stages compare the server's answer with the raw state and decide exactly
// as the model comparison did, for every field of the answer.
func TestReadFromRawSeesEveryChange(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	t.Run("secret", func(t *testing.T) {
		s := &api.Secret{Metadata: &api.SecretMetadata{ID: "s1", Name: "db", Version: 3, CreatedAt: &created},
			Spec: &api.SecretSpec{Provider: "PROVIDER_LOCAL", Local: &api.SecretLocal{Data: map[string]string{"a": "", "b": ""}}}}
		s = jsonTrip(t, s)
		for _, prior := range []*SecretResourceModel{
			{Canvas: types.StringValue("c"), Data: types.MapNull(types.StringType), DataWOVersion: types.Int64Value(2)},
			{Canvas: types.StringNull(), Data: types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("1")}),
				DataWOVersion: types.Int64Null()},
		} {
			n := checkReadFromRaw(t, &SecretResource{}, s, prior, func(a *api.Secret, p *SecretResourceModel) (*SecretResourceModel, diag.Diagnostics) {
				return secretModelFrom(a, p), nil
			})
			if n < 4 {
				t.Errorf("only %d changes seen", n)
			}
		}
	})
	t.Run("event source", func(t *testing.T) {
		sources := []*api.EventSource{
			{Metadata: &api.EventSourceMetadata{ID: "e1", Name: "hook", Description: "d", CreatedAt: &created},
				Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook, SignatureScheme: api.SignatureSchemeHMAC},
				Status: &api.EventSourceStatus{KeyVersion: 2, Webhook: &api.WebhookStatus{URL: "https://sp/api/v1/sources/e1",
					State: "ready", Reason: "r", CheckedAt: &created, Observed: "ok", ObservedReason: "o"},
					LastEvent: &api.Event{ID: "ev1", ReceivedAt: &created}}},
			{Metadata: &api.EventSourceMetadata{ID: "e2", Name: "gh", CreatedAt: &created},
				Spec: &api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "gh"},
					Resource: &api.ResourceRef{Type: "repository", Name: "app"},
					Events: []api.EventSourceEventType{{Type: "push", FilterOperator: api.FilterOperatorOr, Filters: []api.Filter{
						{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.a == 1"}},
						{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "headers['x'] == 'y'"}}}},
						{Type: "pull_request"}}},
				Status: &api.EventSourceStatus{Webhook: &api.WebhookStatus{URL: "https://sp/x", State: "failed", Reason: "r"}}},
			{Metadata: &api.EventSourceMetadata{ID: "e3", Name: "cron", CreatedAt: &created},
				Spec: &api.EventSourceSpec{Type: api.EventSourceTypeScheduled, Schedule: &api.EventSourceSchedule{Type: "daily",
					Daily: &api.DailySchedule{Time: "09:30"}}}},
		}
		priors := []*EventSourceResourceModel{
			{Canvas: types.StringValue("c"), ForceDestroy: types.BoolValue(false), Key: types.StringValue("k"),
				KeyVersion: types.Int64Null(), KeyWOVersion: types.Int64Null()},
			{Canvas: types.StringValue("c"), ForceDestroy: types.BoolValue(true), Key: types.StringNull(),
				KeyVersion: types.Int64Value(4), KeyWOVersion: types.Int64Value(1)},
		}
		for i, es := range sources {
			es = jsonTrip(t, es)
			for _, prior := range priors {
				n := checkReadFromRaw(t, &EventSourceResource{}, es, prior, eventSourceModelFrom)
				if n < 4 {
					t.Errorf("source %d: only %d changes seen", i, n)
				}
			}
		}
	})
	t.Run("stage", func(t *testing.T) {
		for name, ex := range map[string]*api.Executor{
			"http": {Type: api.ExecutorHTTP, Spec: map[string]any{"url": "https://example.com/x", "method": "POST",
				"headers": map[string]any{"a": "b"}, "timeoutSeconds": 15}},
			"semaphore": {Type: api.ExecutorSemaphore, Integration: &api.IntegrationRef{Name: "sem"},
				Resource: &api.ResourceRef{Type: "project", Name: "app"},
				Spec:     map[string]any{"task": "nightly-deploy", "parameters": map[string]any{"VERSION": "${{ inputs.A }}"}}},
			"noop": {Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"version": "${{ inputs.A }}"}}},
		} {
			st := stageFixture(t, ex)
			n := checkReadFromRaw(t, &StageResource{}, st, &StageResourceModel{Canvas: types.StringValue("c")},
				func(a *api.Stage, p *StageResourceModel) (*StageResourceModel, diag.Diagnostics) {
					return stageModelFrom(ctx, a, p)
				})
			if n < 20 {
				t.Errorf("%s: only %d changes seen", name, n)
			}
		}
		// A stage with no optional block at all: every list of blocks empty.
		bare := &api.Stage{Metadata: &api.StageMetadata{ID: "t1", Name: "t", CreatedAt: &created},
			Spec: &api.StageSpec{Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "e"}},
				Executor: &api.Executor{Type: api.ExecutorNoop}}}
		checkReadFromRaw(t, &StageResource{}, jsonTrip(t, bare), &StageResourceModel{Canvas: types.StringValue("c")},
			func(a *api.Stage, p *StageResourceModel) (*StageResourceModel, diag.Diagnostics) {
				return stageModelFrom(ctx, a, p)
			})
	})
}

// TestFastBuildersMatchTheFramework: blockListValue and objectValueOf
// build what the framework's ListValueFrom and ObjectValueFrom build.
func TestFastBuildersMatchTheFramework(t *testing.T) {
	ctx := context.Background()
	conns := []stageConnectionModel{
		{Type: types.StringValue("event_source"), Name: types.StringValue("e"), FilterOperator: types.StringValue("and"),
			Filters: filterListValue([]api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.a"}}}, &diag.Diagnostics{})},
		{Type: types.StringValue("stage"), Name: types.StringNull(), FilterOperator: types.StringValue("or"),
			Filters: filterListValue(nil, &diag.Diagnostics{})},
	}
	var diags diag.Diagnostics
	for _, items := range [][]stageConnectionModel{conns, nil, {}} {
		fast := blockListValue(ctx, stageConnectionAttrTypes, items, &diags)
		if items == nil {
			items = []stageConnectionModel{}
		}
		slow, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: stageConnectionAttrTypes}, items)
		if d.HasError() || diags.HasError() {
			t.Fatal(d, diags)
		}
		if !fast.Equal(slow) {
			t.Fatalf("blockListValue built\n%v\nListValueFrom\n%v", fast, slow)
		}
	}
	ev := stageFromEventModel{Connection: types.StringNull(), Expression: types.StringValue("$.a")}
	fast, d := objectValueOf(ctx, stageFromEventAttrTypes, ev)
	slow, d2 := types.ObjectValueFrom(ctx, stageFromEventAttrTypes, ev)
	if d.HasError() || d2.HasError() || !fast.Equal(slow) {
		t.Fatalf("objectValueOf built\n%v\nObjectValueFrom\n%v (%v %v)", fast, slow, d, d2)
	}
}

// BenchmarkReadUnchanged is the provider's own work in the Read of an
// unchanged object: "model" as before (getModel of the prior state, the
// refreshed model, sameRefreshed), "raw" now (readPrior, the refreshed
// model, sameAsRaw). The bench's shapes: a secret, a webhook source, a
// stage with one connection and a noop executor.
func BenchmarkReadUnchanged(b *testing.B) {
	ctx := context.Background()
	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	stage := &api.Stage{Metadata: &api.StageMetadata{ID: "t1", Name: "t", CreatedAt: &created},
		Spec: &api.StageSpec{Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "e", FilterOperator: api.FilterOperatorAnd}},
			Executor: &api.Executor{Type: api.ExecutorNoop}}}
	source := &api.EventSource{Metadata: &api.EventSourceMetadata{ID: "e1", Name: "e", CreatedAt: &created},
		Spec:   &api.EventSourceSpec{Type: api.EventSourceTypeWebhook, SignatureScheme: api.SignatureSchemeHMAC},
		Status: &api.EventSourceStatus{KeyVersion: 1, Webhook: &api.WebhookStatus{URL: "http://sp/api/v1/sources/e1"}}}
	secret := &api.Secret{Metadata: &api.SecretMetadata{ID: "s1", Name: "s", Version: 1, CreatedAt: &created},
		Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"A": "", "B": "", "C": "", "D": "", "E": ""}}}}
	b.Run("stage", func(b *testing.B) {
		benchRead(b, &StageResource{}, stage, &StageResourceModel{Canvas: types.StringValue("c")},
			func(a *api.Stage, p *StageResourceModel) (*StageResourceModel, diag.Diagnostics) {
				return stageModelFrom(ctx, a, p)
			})
	})
	b.Run("event source", func(b *testing.B) {
		benchRead(b, &EventSourceResource{}, source, &EventSourceResourceModel{Canvas: types.StringValue("c"),
			ForceDestroy: types.BoolValue(false), Key: types.StringValue("k"), KeyVersion: types.Int64Null(), KeyWOVersion: types.Int64Null()},
			eventSourceModelFrom)
	})
	b.Run("secret", func(b *testing.B) {
		benchRead(b, &SecretResource{}, secret, &SecretResourceModel{Canvas: types.StringValue("c"), Data: types.MapNull(types.StringType),
			DataWOVersion: types.Int64Value(1)},
			func(a *api.Secret, p *SecretResourceModel) (*SecretResourceModel, diag.Diagnostics) {
				return secretModelFrom(a, p), nil
			})
	})
}

func benchRead[A, T any](b *testing.B, r resource.Resource, obj *A, prior *T, build func(*A, *T) (*T, diag.Diagnostics)) {
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	blocks := schemaBlocks(reflect.TypeFor[T](), sr.Schema)
	stored, _ := build(obj, prior)
	state := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
	if d := setStateModel(ctx, &state, nullEmptyBlocks(stored, blocks)); d.HasError() {
		b.Fatal(d)
	}
	b.Run("model", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var st T
			_ = getModel(ctx, state, &st)
			m, _ := build(obj, &st)
			if !sameRefreshed(m, &st, blocks) {
				b.Fatal("changed")
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			p, raw, _ := readPrior[T](ctx, state)
			m, _ := build(obj, p)
			if !sameAsRaw(m, raw, blocks) {
				b.Fatal("changed")
			}
		}
	})
}
