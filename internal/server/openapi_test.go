package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// wireSchemas maps every named schema of the OpenAPI description to the Go
// type the server encodes or decodes for it. A schema with no row here, or
// a row with no schema, fails TestOpenAPIMatchesWireTypes.
var wireSchemas = map[string]any{
	"AuthToken":                   api.AuthToken{},
	"AWSIntegration":              api.AWSIntegration{},
	"AWSAccessKey":                api.AWSAccessKey{},
	"AWSWebIdentity":              api.AWSWebIdentity{},
	"AWSAssumeRole":               api.AWSAssumeRole{},
	"AzureIntegration":            api.AzureIntegration{},
	"AzureFederated":              api.AzureFederated{},
	"GCPIntegration":              api.GCPIntegration{},
	"GCPWorkloadIdentity":         api.GCPWorkloadIdentity{},
	"DatadogIntegration":          api.DatadogIntegration{},
	"MongoDBAtlasIntegration":     api.MongoDBAtlasIntegration{},
	"MongoDBAtlasAPIKey":          api.MongoDBAtlasAPIKey{},
	"MongoDBAtlasServiceAccount":  api.MongoDBAtlasServiceAccount{},
	"Canvas":                      api.Canvas{},
	"CanvasMetadata":              api.CanvasMetadata{},
	"CanvasResponse":              api.CanvasResponse{},
	"Condition":                   api.Condition{},
	"ConditionApproval":           api.ConditionApproval{},
	"ConditionTimeWindow":         api.ConditionTimeWindow{},
	"Connection":                  api.Connection{},
	"CreateCanvasRequest":         api.CreateCanvasRequest{},
	"CreateEventRequest":          api.CreateEventRequest{},
	"CreateIntegrationRequest":    api.CreateIntegrationRequest{},
	"CreateSecretRequest":         api.CreateSecretRequest{},
	"DailySchedule":               api.DailySchedule{},
	"DataFilter":                  api.DataFilter{},
	"Empty":                       api.Empty{},
	"Error":                       api.Error{},
	"Event":                       api.Event{},
	"EventResponse":               api.EventResponse{},
	"EventSource":                 api.EventSource{},
	"EventSourceEventType":        api.EventSourceEventType{},
	"EventSourceMetadata":         api.EventSourceMetadata{},
	"EventSourceRequest":          api.EventSourceRequest{},
	"EventSourceResponse":         api.EventSourceResponse{},
	"EventSourceSchedule":         api.EventSourceSchedule{},
	"EventSourceSpec":             api.EventSourceSpec{},
	"EventSourceStatus":           api.EventSourceStatus{},
	"EventSourceStatusSchedule":   api.EventSourceStatusSchedule{},
	"Execution":                   api.Execution{},
	"ExecutionResource":           api.ExecutionResource{},
	"ExecutionResponse":           api.ExecutionResponse{},
	"Executor":                    api.Executor{},
	"Filter":                      api.Filter{},
	"HeaderFilter":                api.HeaderFilter{},
	"HourlySchedule":              api.HourlySchedule{},
	"InputDefinition":             api.InputDefinition{},
	"InputMapping":                api.InputMapping{},
	"InputMappingWhen":            api.InputMappingWhen{},
	"Integration":                 api.Integration{},
	"IntegrationAuth":             api.IntegrationAuth{},
	"IntegrationMetadata":         api.IntegrationMetadata{},
	"IntegrationRef":              api.IntegrationRef{},
	"IntegrationResponse":         api.IntegrationResponse{},
	"IntegrationSpec":             api.IntegrationSpec{},
	"IntegrationStatus":           api.IntegrationStatus{},
	"KeyValuePair":                api.KeyValuePair{},
	"ListCanvasesResponse":        api.ListCanvasesResponse{},
	"ListEventSourcesResponse":    api.ListEventSourcesResponse{},
	"ListEventsResponse":          api.ListEventsResponse{},
	"ListExecutionsResponse":      api.ListExecutionsResponse{},
	"ListIntegrationsResponse":    api.ListIntegrationsResponse{},
	"ListSecretsResponse":         api.ListSecretsResponse{},
	"ListStageEventsResponse":     api.ListStageEventsResponse{},
	"ListStagesResponse":          api.ListStagesResponse{},
	"Me":                          api.Me{},
	"OutputDefinition":            api.OutputDefinition{},
	"OutputValue":                 api.OutputValue{},
	"Receipt":                     webhook.Receipt{},
	"PushOutputsRequest":          api.PushOutputsRequest{},
	"PushOutputsResponse":         api.PushOutputsResponse{},
	"RegenerateTokenResponse":     api.RegenerateTokenResponse{},
	"ResetEventSourceKeyRequest":  api.ResetEventSourceKeyRequest{},
	"ResourceRef":                 api.ResourceRef{},
	"Secret":                      api.Secret{},
	"SecretLocal":                 api.SecretLocal{},
	"SecretMetadata":              api.SecretMetadata{},
	"SecretResponse":              api.SecretResponse{},
	"SecretSpec":                  api.SecretSpec{},
	"Stage":                       api.Stage{},
	"StageEvent":                  api.StageEvent{},
	"StageEventApproval":          api.StageEventApproval{},
	"StageEventResponse":          api.StageEventResponse{},
	"StageMetadata":               api.StageMetadata{},
	"StageRequest":                api.StageRequest{},
	"StageResponse":               api.StageResponse{},
	"StageSpec":                   api.StageSpec{},
	"StageStatus":                 api.StageStatus{},
	"StageValueFrom":              api.StageValueFrom{},
	"StatusQueue":                 api.StatusQueue{},
	"UpdateCanvasRequest":         api.UpdateCanvasRequest{},
	"UpdateIntegrationRequest":    api.UpdateIntegrationRequest{},
	"UpdateSecretRequest":         api.UpdateSecretRequest{},
	"ValueDefinition":             api.ValueDefinition{},
	"ValueFrom":                   api.ValueFrom{},
	"ValueFromEventData":          api.ValueFromEventData{},
	"ValueFromLastExecution":      api.ValueFromLastExecution{},
	"ValueFromSecret":             api.ValueFromSecret{},
	"WebhookStatus":               api.WebhookStatus{},
	"WeeklySchedule":              api.WeeklySchedule{},
	"AcknowledgeAlertResponse":    api.AcknowledgeAlertResponse{},
	"Alert":                       api.Alert{},
	"EventRejection":              api.EventRejection{},
	"ListAlertsResponse":          api.ListAlertsResponse{},
	"ListEventRejectionsResponse": api.ListEventRejectionsResponse{},
}

// openAPIDoc decodes the embedded description into plain maps: a small
// walker over them is all the checks need.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi.json is not OpenAPI 3: openapi = %v", doc["openapi"])
	}
	return doc
}

// obj returns m[key] as an object, or nil.
func obj(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIDescribesEveryRoute holds the description to the routes the
// server registers: each route (with a token or without) is an operation of
// the same method and path (parameter names included), and each operation
// is a route. The token-less routes, and only they, say so in their
// security, and every path parameter is declared.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	doc := openAPIDoc(t)
	authed, public := e.server.Routes(), e.server.PublicRoutes()
	registered := append(slices.Clone(authed), public...)

	var described []string
	for path, item := range obj(doc, "paths") {
		ops, _ := item.(map[string]any)
		for _, m := range httpMethods {
			op := obj(ops, m)
			if op == nil {
				continue
			}
			pattern := strings.ToUpper(m) + " " + path
			described = append(described, pattern)

			// Security: an operation without its own list inherits the
			// document's bearer token; a token-less route must override it
			// with a list that does not ask for one.
			sec, overridden := op["security"].([]any)
			needsToken := !overridden
			for _, s := range sec {
				if req, _ := s.(map[string]any); req != nil && req["bearerAuth"] != nil {
					needsToken = true
				}
			}
			if wantToken := !slices.Contains(public, pattern); needsToken != wantToken {
				t.Errorf("%s: the description says token needed = %v; the server: %v", pattern, needsToken, wantToken)
			}

			// Path parameters: exactly the {names} of the path.
			var want, got []string
			for seg := range strings.SplitSeq(path, "/") {
				if strings.HasPrefix(seg, "{") {
					want = append(want, strings.Trim(seg, "{}"))
				}
			}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				if pm, _ := p.(map[string]any); pm != nil && pm["in"] == "path" {
					got = append(got, fmt.Sprint(pm["name"]))
				}
			}
			if !slices.Equal(want, got) {
				t.Errorf("%s: path parameters %v; the path has %v", pattern, got, want)
			}
			if obj(obj(op, "responses"), "200") == nil {
				t.Errorf("%s: no 200 response described", pattern)
			}
		}
	}
	sort.Strings(described)
	sort.Strings(registered)
	for _, r := range registered {
		if !slices.Contains(described, r) {
			t.Errorf("the server serves %q, which openapi.json does not describe", r)
		}
	}
	for _, d := range described {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json describes %q, which the server does not serve", d)
		}
	}
	if len(registered) < 40 {
		t.Errorf("the server lists %d routes; expected every route", len(registered))
	}
}

// TestOpenAPIMatchesWireTypes holds the named schemas to the Go types the
// server puts on the wire: the same property names as the json tags, the
// same JSON types, and a $ref wherever a field holds another named type,
// recursively. It also checks that every $ref in the document resolves.
func TestOpenAPIMatchesWireTypes(t *testing.T) {
	doc := openAPIDoc(t)
	schemas := obj(obj(doc, "components"), "schemas")
	byType := map[reflect.Type]string{}
	for name, v := range wireSchemas {
		byType[reflect.TypeOf(v)] = name
	}
	for name := range schemas {
		if _, ok := wireSchemas[name]; !ok {
			t.Errorf("schema %s maps to no Go type: add it to wireSchemas (or describe the body inline)", name)
		}
	}
	for name, v := range wireSchemas {
		s := obj(schemas, name)
		if s == nil {
			t.Errorf("wire type %s has no schema in openapi.json", name)
			continue
		}
		matchType(t, name, reflect.TypeOf(v), s, byType, true)
	}

	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(r, "#/"), "/")
				var cur any = doc
				for _, p := range parts {
					m, _ := cur.(map[string]any)
					cur = m[p]
				}
				if !strings.HasPrefix(r, "#/") || cur == nil {
					t.Errorf("%s: $ref %q does not resolve", where, r)
				}
			}
			for k, x := range v {
				walk(where+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", where, i), x)
			}
		}
	}
	walk("#", doc)
}

var timeType = reflect.TypeOf(time.Time{})

// rawMessageType is a JSON value passed through as stored; the API uses it
// for event payloads, which are objects.
var rawMessageType = reflect.TypeOf(json.RawMessage{})

// matchType reports where schema s does not describe Go type typ as
// encoding/json writes and reads it.
func matchType(t *testing.T, where string, typ reflect.Type, s map[string]any, byType map[reflect.Type]string, top bool) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if name, ok := byType[typ]; ok && !top {
		if want := "#/components/schemas/" + name; s["$ref"] != want {
			t.Errorf("%s: want $ref %s, got %v", where, want, s)
		}
		return
	}
	wantType := func(jt string) bool {
		if s["type"] != jt {
			t.Errorf("%s: Go %s is JSON %s; the schema says %v", where, typ, jt, s["type"])
			return false
		}
		return true
	}
	switch {
	case typ == timeType:
		if wantType("string") && s["format"] != "date-time" {
			t.Errorf("%s: a time is format date-time; the schema says %v", where, s["format"])
		}
	case typ == rawMessageType:
		if wantType("object") && s["additionalProperties"] != true {
			t.Errorf("%s: Go %s is a stored JSON object; the schema says additionalProperties %v", where, typ, s["additionalProperties"])
		}
	case typ.Kind() == reflect.String:
		wantType("string")
	case typ.Kind() == reflect.Bool:
		wantType("boolean")
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		wantType("integer")
	case typ.Kind() == reflect.Interface:
		if len(s) != 0 {
			t.Errorf("%s: Go %s is any JSON value; the schema restricts it: %v", where, typ, s)
		}
	case typ.Kind() == reflect.Slice:
		if wantType("array") {
			matchType(t, where+"[]", typ.Elem(), obj(s, "items"), byType, false)
		}
	case typ.Kind() == reflect.Map:
		if !wantType("object") {
			return
		}
		if typ.Elem().Kind() == reflect.Interface {
			if s["additionalProperties"] != true {
				t.Errorf("%s: Go %s takes any values; the schema says additionalProperties %v", where, typ, s["additionalProperties"])
			}
			return
		}
		matchType(t, where+"{}", typ.Elem(), obj(s, "additionalProperties"), byType, false)
	case typ.Kind() == reflect.Struct:
		if !wantType("object") {
			return
		}
		props := obj(s, "properties")
		var goNames []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			goNames = append(goNames, name)
			p := obj(props, name)
			if p == nil {
				t.Errorf("%s: field %s (json %q) is not a property of the schema", where, f.Name, name)
				continue
			}
			matchType(t, where+"."+name, f.Type, p, byType, false)
		}
		for name := range props {
			if !slices.Contains(goNames, name) {
				t.Errorf("%s: property %q is in the schema but not in Go %s", where, name, typ)
			}
		}
	default:
		t.Errorf("%s: Go %s has no JSON mapping in this test", where, typ)
	}
}

// TestOpenAPIServed is the description at GET /api/v1/openapi.json: the
// embedded document, without a token, as JSON.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	for _, who := range []string{"", "owner"} {
		r := e.do(who, http.MethodGet, "/api/v1/openapi.json", nil)
		if r.status != http.StatusOK || string(r.body) != string(api.OpenAPI()) {
			t.Fatalf("GET /api/v1/openapi.json as %q: %d, %d bytes; want 200 and the embedded document", who, r.status, len(r.body))
		}
	}
}

// describedDoc is the decoded description, shared by the parallel subtests
// of the authorization matrix.
var describedDoc = sync.OnceValues(func() (map[string]any, error) {
	var doc map[string]any
	err := json.Unmarshal(api.OpenAPI(), &doc)
	return doc, err
})

// checkAnswerDescribed checks a real answer of route pattern against the
// description: a 200 against the operation's 200 schema, anything else
// against its default (the error body). Every property of the answer must be
// described, with its JSON type, at every depth; so a field the server
// starts to send cannot be left out of openapi.json.
func checkAnswerDescribed(t *testing.T, pattern, who string, status int, body []byte) {
	t.Helper()
	doc, err := describedDoc()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	method, path, _ := strings.Cut(pattern, " ")
	op := obj(obj(obj(doc, "paths"), path), strings.ToLower(method))
	if op == nil {
		t.Errorf("%s is not described", pattern)
		return
	}
	resp := obj(obj(op, "responses"), "default")
	if status == http.StatusOK {
		resp = obj(obj(op, "responses"), "200")
	}
	resp = resolveRef(doc, resp)
	schema := obj(obj(obj(resp, "content"), "application/json"), "schema")
	if schema == nil {
		t.Errorf("%s: no JSON schema described for status %d", pattern, status)
		return
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Errorf("%s as %s: answer %d is not JSON: %v", pattern, who, status, err)
		return
	}
	for _, problem := range describedValue(doc, "$", v, schema) {
		t.Errorf("%s as %s, answer %d: %s", pattern, who, status, problem)
	}
}

// resolveRef follows a local $ref, or returns s.
func resolveRef(doc, s map[string]any) map[string]any {
	for range 8 {
		r, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		s, _ = cur.(map[string]any)
	}
	return s
}

// describedValue lists where JSON value v does not fit schema s. A null
// fits any schema: v1 answers emit unset objects and times as null.
func describedValue(doc map[string]any, where string, v any, s map[string]any) []string {
	s = resolveRef(doc, s)
	if v == nil || s == nil || len(s) == 0 {
		return nil
	}
	var out []string
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %T", where, v)}
		}
		props := obj(s, "properties")
		for k, x := range m {
			if p := obj(props, k); p != nil {
				out = append(out, describedValue(doc, where+"."+k, x, p)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					out = append(out, fmt.Sprintf("%s: property %q is not described", where, k))
				}
			case map[string]any:
				out = append(out, describedValue(doc, where+"."+k, x, ap)...)
			default:
				if props != nil || s["additionalProperties"] == nil {
					out = append(out, fmt.Sprintf("%s: property %q is not described", where, k))
				}
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an array, got %T", where, v)}
		}
		for i, x := range a {
			out = append(out, describedValue(doc, fmt.Sprintf("%s[%d]", where, i), x, obj(s, "items"))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			out = append(out, fmt.Sprintf("%s: want a string, got %T", where, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf("%s: want a boolean, got %T", where, v))
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			out = append(out, fmt.Sprintf("%s: want an integer, got %v", where, v))
		}
	}
	return out
}
