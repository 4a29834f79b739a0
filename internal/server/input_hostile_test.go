package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// hostileRoute is a write route that decodes a JSON body, with the name of
// its body's root field and a valid body to corrupt.
type hostileRoute struct {
	name   string
	method string
	path   func(f matrixFixture) string
	// root is the body's top-level field ("canvas", "secret", ...) or ""
	// when the body has no wrapper object.
	root string
	// valid returns a body the route accepts, with name as the object's
	// name; hostile cases are built by replacing parts of it.
	valid func(f matrixFixture, name string) string
}

var hostileRoutes = []hostileRoute{
	{"CreateCanvas", "POST", func(matrixFixture) string { return "/api/v1/canvases" }, "canvas",
		func(_ matrixFixture, name string) string {
			return fmt.Sprintf(`{"canvas":{"metadata":{"name":%s,"description":"d"}}}`, jsonQuote(name))
		}},
	{"UpdateCanvas", "PATCH", func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas }, "canvas",
		func(_ matrixFixture, _ string) string { return `{"canvas":{"metadata":{"description":"d"}}}` }},
	{"CreateSecret", "POST", func(matrixFixture) string { return "/api/v1/secrets" }, "secret",
		func(f matrixFixture, name string) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"secret":{"metadata":{"name":%s},"spec":{"provider":"PROVIDER_LOCAL","local":{"data":{"k":"v"}}}}}`, f.canvas, jsonQuote(name))
		}},
	{"UpdateSecret", "PATCH", func(f matrixFixture) string { return "/api/v1/secrets/" + f.secret + f.q() }, "secret",
		func(_ matrixFixture, name string) string {
			return fmt.Sprintf(`{"secret":{"metadata":{"name":%s},"spec":{"provider":"PROVIDER_LOCAL","local":{"data":{"k":"v2"}}}}}`, jsonQuote(name))
		}},
	{"CreateIntegration", "POST", func(matrixFixture) string { return "/api/v1/integrations" }, "integration",
		func(f matrixFixture, name string) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"integration":{"metadata":{"name":%s},"spec":{"type":"github","url":"https://github.com/acme","auth":{"use":"AUTH_TYPE_TOKEN","token":{"valueFrom":{"secret":{"name":"gh","key":"token"}}}}}}}`, f.canvas, jsonQuote(name))
		}},
	{"UpdateIntegration", "PATCH", func(f matrixFixture) string { return "/api/v1/integrations/" + f.integration + f.q() }, "integration",
		func(_ matrixFixture, name string) string {
			return fmt.Sprintf(`{"integration":{"metadata":{"name":%s},"spec":{"type":"github","url":"https://github.com/acme","auth":{"use":"AUTH_TYPE_TOKEN","token":{"valueFrom":{"secret":{"name":"gh","key":"token"}}}}}}}`, jsonQuote(name))
		}},
	{"CreateEventSource", "POST", func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/event-sources" }, "eventSource",
		func(_ matrixFixture, name string) string {
			return fmt.Sprintf(`{"eventSource":{"metadata":{"name":%s},"spec":{"type":"webhook","events":[{"type":"push","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.ref == 'main'"}}],"filterOperator":"FILTER_OPERATOR_AND"}]}}}`, jsonQuote(name))
		}},
	{"UpdateEventSource", "PATCH", func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/event-sources/" + f.spare }, "eventSource",
		func(_ matrixFixture, name string) string {
			return fmt.Sprintf(`{"eventSource":{"metadata":{"name":%s},"spec":{"type":"webhook","events":[{"type":"push","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.ref == 'main'"}}],"filterOperator":"FILTER_OPERATOR_AND"}]}}}`, jsonQuote(name))
		}},
	{"CreateStage", "POST", func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/stages" }, "stage",
		func(_ matrixFixture, name string) string { return hostileStageBody(name) }},
	{"UpdateStage", "PATCH", func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/stages/" + f.run }, "stage",
		func(_ matrixFixture, name string) string { return hostileStageBody(name) }},
	{"CreateEvent", "POST", func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/events" }, "",
		func(_ matrixFixture, _ string) string { return `{"sourceId":"button","type":"deploy","raw":{"n":1}}` }},
}

// hostileStageBody is a stage with one of every part that has an enum: a
// connection with a filter, an approval, an input mapped from the event and
// an http executor.
func hostileStageBody(name string) string {
	return fmt.Sprintf(`{"stage":{"metadata":{"name":%s},"spec":{
		"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.ref == 'main'"}}],"filterOperator":"FILTER_OPERATOR_OR"}],
		"conditions":[{"type":"CONDITION_TYPE_APPROVAL","approval":{"count":1}}],
		"inputs":[{"name":"REF"}],
		"inputMappings":[{"values":[{"name":"REF","valueFrom":{"eventData":{"connection":"hook","expression":"$.ref"}}}]}],
		"executor":{"type":"http","spec":{"url":"https://deploy.example.com/hook","payload":{"ref":"${{ inputs.REF }}"}}}}}}`, jsonQuote(name))
}

// hostileCase is one malformed body for a route; want is the status and a
// text the error message must contain (the field, with the route's root
// substituted for ROOT).
type hostileCase struct {
	name   string
	body   string
	status int
	want   string
}

// genericCases are malformed bodies every decoding route must refuse the
// same way.
func genericCases(rt hostileRoute, f matrixFixture) []hostileCase {
	valid := rt.valid(f, "fine-name")
	root := rt.root
	if root == "" {
		root = "raw"
	}
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	cases := []hostileCase{
		{"NotJSON", `{"` + root + `":`, 400, "JSON"},
		{"Empty", "", 400, "request body is required"},
		{"Whitespace", " \n\t ", 400, "request body is required"},
		{"Array", `[` + valid + `]`, 400, "JSON object"},
		{"String", `"` + root + `"`, 400, "JSON object"},
		{"Null", `null`, 400, "JSON object"},
		{"TwoObjects", valid + valid, 400, "single JSON object"},
		{"TrailingGarbage", valid + `x`, 400, "single JSON object"},
		{"HugeBody", `{"pad":"` + strings.Repeat("x", 1<<20) + `",` + valid[1:], 413, "exceeds"},
		{"HugeBodyOfWhitespace", strings.Repeat(" ", 2<<20), 413, "exceeds"},
		{"DeepNesting", deep, 400, "JSON"},
		{"DeepNestingInRoot", `{"` + root + `":` + deep + `}`, 400, "JSON"},
		{"WrongTypeOfRoot", `{"` + root + `":["x"]}`, 400, "field " + root},
		{"WrongTypeOfRootNumber", `{"` + root + `":12}`, 400, "field " + root},
		{"InvalidUTF8InUnknownField", `{"pad":"` + "\xff\xfe" + `",` + valid[1:], 400, "pad"},
	}
	if rt.root != "" {
		cases = append(cases,
			hostileCase{"WrongTypeOfMetadata", `{"` + root + `":{"metadata":"x"}}`, 400, "field " + root + ".metadata"},
			hostileCase{"NullRoot", `{"` + root + `":null}`, 400, root},
		)
	}
	if rt.root != "" && rt.method == "POST" {
		cases = append(cases, hostileCase{"EmptyRoot", `{"` + root + `":{}}`, 400, root})
	}
	return cases
}

// nameCases are names that must never be accepted: path separators and
// relative segments (a name is used in URL paths), SQL and shell
// metacharacters, control characters, invalid UTF-8, and names that would be
// ambiguous with ids.
var nameCases = []string{
	"a/b", "..", ".", `a\b`, "a%2Fb", "a b", "x\x00y", "a\nb",
	"x'; DROP TABLE secrets;--", `x" OR "1"="1`, "$(id)", "a?b=c#d",
	"h\xe9llo", "héllo", strings.Repeat("n", 129), "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
}

// routeCases are malformed fields of one route: unknown enums and wrong
// types where the route has them.
func routeCases(rt hostileRoute, f matrixFixture) []hostileCase {
	valid := rt.valid(f, "fine-name")
	sub := func(old, new string) string {
		if !strings.Contains(valid, old) {
			panic(fmt.Sprintf("%s: %q is not in the valid body", rt.name, old))
		}
		return strings.Replace(valid, old, new, 1)
	}
	var cases []hostileCase
	switch rt.name {
	case "CreateCanvas":
		cases = []hostileCase{
			{"WrongTypeDescription", sub(`"description":"d"`, `"description":{"a":1}`), 400, "canvas.metadata.description"},
			{"HugeDescription", sub(`"description":"d"`, `"description":"`+strings.Repeat("d", 5000)+`"`), 400, "canvas.metadata.description"},
			{"InvalidUTF8Description", sub(`"description":"d"`, "\"description\":\"\xc3\x28\""), 400, "canvas.metadata.description"},
		}
	case "UpdateCanvas":
		cases = []hostileCase{
			{"WrongTypeDescription", sub(`"description":"d"`, `"description":false`), 400, "canvas.metadata.description"},
			{"Rename", sub(`"description":"d"`, `"name":"other-name"`), 400, "canvas.metadata.name"},
			{"InvalidUTF8Description", sub(`"description":"d"`, "\"description\":\"ok\xed\xa0\x80\""), 400, "canvas.metadata.description"},
		}
	case "CreateSecret", "UpdateSecret":
		cases = []hostileCase{
			{"UnknownProvider", sub(`"PROVIDER_LOCAL"`, `"PROVIDER_VAULT"`), 400, "secret.spec.provider"},
			{"WrongTypeData", sub(`"data":{`, `"data":"k=v","x":{`), 400, "secret.spec.local.data"},
			{"WrongTypeValue", sub(`"data":{`, `"data":{"n":1,`), 400, "secret.spec.local.data"},
			{"NestedValue", sub(`"data":{`, `"data":{"n":{"deep":"v"},`), 400, "secret.spec.local.data"},
			{"KeyWithSlash", sub(`"data":{`, `"data":{"a/b":"v",`), 400, "secret.spec.local.data"},
			{"KeyWithSQL", sub(`"data":{`, `"data":{"k' OR '1'='1":"v",`), 400, "secret.spec.local.data"},
			{"InvalidUTF8Value", sub(`"data":{`, "\"data\":{\"bin\":\"\x80\x81\","), 400, "secret.spec.local.data.bin"},
			{"InvalidUTF8Key", sub(`"data":{`, "\"data\":{\"k\xff\":\"v\","), 400, "secret.spec.local.data"},
		}
		if rt.name == "CreateSecret" {
			cases = append(cases,
				hostileCase{"UnknownDomainType", sub(`"DOMAIN_TYPE_CANVAS"`, `"DOMAIN_TYPE_GALAXY"`), 400, "domainType"},
				hostileCase{"WrongTypeDomainID", sub(`"domainId":"`+f.canvas+`"`, `"domainId":["x"]`), 400, "domainId"},
				hostileCase{"DomainIDWithSQL", sub(`"domainId":"`+f.canvas+`"`, `"domainId":"x' OR '1'='1"`), 404, "x' OR '1'='1"},
			)
		}
	case "CreateIntegration", "UpdateIntegration":
		cases = []hostileCase{
			{"UnknownType", sub(`"type":"github"`, `"type":"nope"`), 400, "integration.spec.type"},
			{"UnknownAuth", sub(`"AUTH_TYPE_TOKEN"`, `"AUTH_TYPE_OIDC"`), 400, "integration.spec.auth.use"},
			{"UnknownSecretDomain", sub(`"secret":{"name"`, `"secret":{"domainType":"DOMAIN_TYPE_MOON","name"`), 400, "integration.spec.auth.token.valueFrom.secret.domainType"},
			{"WrongTypeURL", sub(`"url":"https://github.com/acme"`, `"url":["https://github.com/acme"]`), 400, "integration.spec.url"},
			{"URLWithPathTraversal", sub(`"url":"https://github.com/acme"`, `"url":"https://github.com/../../admin"`), 400, "integration.spec.url"},
			{"URLNotHTTPS", sub(`"url":"https://github.com/acme"`, `"url":"file:///etc/passwd"`), 400, "integration.spec.url"},
			{"SecretNameWithSQL", sub(`"name":"gh"`, `"name":"gh' OR '1'='1"`), 404, "gh' OR '1'='1"},
		}
	case "CreateEventSource", "UpdateEventSource":
		cases = []hostileCase{
			{"UnknownType", sub(`"type":"webhook"`, `"type":"carrier-pigeon"`), 400, "eventSource.spec.type"},
			{"UnknownFilterType", sub(`"FILTER_TYPE_DATA"`, `"FILTER_TYPE_TELEPATHY"`), 400, "eventSource.spec.events[0].filters[0].type"},
			{"UnknownFilterOperator", sub(`"FILTER_OPERATOR_AND"`, `"FILTER_OPERATOR_XOR"`), 400, "eventSource.spec.events[0].filterOperator"},
			{"WrongTypeEvents", sub(`"events":[`, `"events":{"a":1},"x":[`), 400, "eventSource.spec.events"},
			{"BadExpression", sub(`$.ref == 'main'`, `$.ref ==`), 400, "eventSource.spec.events[0].filters[0].data.expression"},
			{"HugeExpression", sub(`$.ref == 'main'`, strings.Repeat("(", 5000)), 400, "eventSource.spec.events[0].filters[0].data.expression"},
			{"UnknownSchedule", sub(`"type":"webhook"`, `"type":"scheduled","schedule":{"type":"TYPE_FORTNIGHTLY"}`), 400, "eventSource.spec.schedule"},
		}
	case "CreateStage", "UpdateStage":
		cases = []hostileCase{
			{"UnknownConnectionType", sub(`"TYPE_EVENT_SOURCE"`, `"TYPE_CARRIER_PIGEON"`), 400, "stage.spec.connections[0].type"},
			{"UnknownFilterOperator", sub(`"FILTER_OPERATOR_OR"`, `"FILTER_OPERATOR_NAND"`), 400, "stage.spec.connections[0].filterOperator"},
			{"UnknownConditionType", sub(`"CONDITION_TYPE_APPROVAL"`, `"CONDITION_TYPE_VIBES"`), 400, "stage.spec.conditions[0].type"},
			{"UnknownExecutorType", sub(`"type":"http"`, `"type":"ftp"`), 400, "stage.spec.executor.type"},
			{"WrongTypeCount", sub(`"count":1`, `"count":"two"`), 400, "stage.spec.conditions.approval.count"},
			{"HugeCount", sub(`"count":1`, `"count":1e400`), 400, "stage.spec.conditions.approval.count"},
			{"FractionCount", sub(`"count":1`, `"count":1.5`), 400, "stage.spec.conditions.approval.count"},
			{"NegativeCount", sub(`"count":1`, `"count":-1`), 400, "stage.spec.conditions[0].approval.count"},
			{"WrongTypeConnections", sub(`"connections":[`, `"connections":"hook","x":[`), 400, "stage.spec.connections"},
			{"WrongTypeExecutorSpec", sub(`"spec":{"url"`, `"spec":"https://x","y":{"url"`), 400, "stage.spec.executor.spec"},
			{"ExecutorURLNotHTTP", sub(`https://deploy.example.com/hook`, `file:///etc/passwd`), 400, "stage.spec.executor"},
			{"UnknownTemplate", sub(`${{ inputs.REF }}`, `${{ inputs.NOPE }}`), 400, "inputs.NOPE"},
			{"UnknownResult", sub(`"valueFrom":{"eventData":{"connection":"hook","expression":"$.ref"}}`, `"valueFrom":{"lastExecution":{"results":["RESULT_MAYBE"]}}`), 400, "lastExecution.results[0]"},
			{"ConnectionWithSQL", sub(`"name":"hook"`, `"name":"hook' OR '1'='1"`), 400, "stage.spec.connections[0].name"},
		}
	case "CreateEvent":
		cases = []hostileCase{
			{"WrongTypeRaw", sub(`"raw":{"n":1}`, `"raw":"n=1"`), 400, "raw"},
			{"RawArray", sub(`"raw":{"n":1}`, `"raw":[1]`), 400, "raw"},
			{"WrongTypeSourceID", sub(`"sourceId":"button"`, `"sourceId":7`), 400, "sourceId"},
			{"NotManualSource", sub(`"sourceId":"button"`, `"sourceId":"hook"`), 400, "sourceId"},
			{"SourceIDWithSQL", sub(`"sourceId":"button"`, `"sourceId":"button' OR '1'='1"`), 404, "button' OR '1'='1"},
			{"InvalidUTF8Type", sub(`"type":"deploy"`, "\"type\":\"de\xffploy\""), 400, "type"},
		}
	}
	if strings.Contains(valid, `"name":"fine-name"`) && rt.root != "" {
		field := rt.root + ".metadata.name"
		for _, n := range nameCases {
			cases = append(cases, hostileCase{"Name" + fmt.Sprintf("%q", n), rt.valid(f, n), 400, field})
		}
		cases = append(cases, hostileCase{"WrongTypeName", strings.Replace(valid, `"name":"fine-name"`, `"name":42`, 1), 400, "field " + field})
		cases = append(cases, hostileCase{"InvalidUTF8Name", strings.Replace(valid, `"name":"fine-name"`, "\"name\":\"fine\xc0\xafname\"", 1), 400, field})
	}
	return cases
}

// oddCases are bodies that look hostile but are legal: they must be
// accepted (or refused for an ordinary reason) and never break a later read.
// They run on a fixture of their own, since they may change it.
func oddCases(rt hostileRoute, g matrixFixture) []hostileCase {
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	sql := `x'); DROP TABLE canvases; --`
	// Names differ per route: the routes run in parallel on one fixture.
	odd := "odd-" + strings.ToLower(rt.name) + "-"
	cases := []hostileCase{
		{"NulInUnknownField", `{"pad":"\u0000",` + rt.valid(g, odd+"nul")[1:], 0, ""},
		{"DeepUnknownField", `{"pad":` + deep + `,` + rt.valid(g, odd+"deep")[1:], 0, ""},
	}
	valid := rt.valid(g, odd+"sql")
	if strings.Contains(valid, `"description":"d"`) {
		cases = append(cases, hostileCase{"SQLInDescription", strings.Replace(valid, `"description":"d"`, `"description":"`+sql+`"`, 1), 200, ""})
	}
	switch rt.name {
	case "CreateStage", "UpdateStage":
		cases = append(cases, hostileCase{"DeepExecutorSpec", strings.Replace(rt.valid(g, odd+"spec"), `"payload":{`, `"deep":`+deep+`,"payload":{`, 1), 200, ""})
	case "CreateEvent":
		cases = append(cases, hostileCase{"DeepRaw", strings.Replace(rt.valid(g, ""), `"raw":{"n":1}`, `"raw":`+deep, 1), 200, ""})
	case "CreateSecret", "UpdateSecret":
		cases = append(cases, hostileCase{"SQLInValue", strings.Replace(rt.valid(g, odd+"value"), `"k":"v`, `"k":"`+sql, 1), 200, ""})
	}
	return cases
}

// TestHostileInput sends every write route a table of malformed bodies:
// each is refused with a 4xx, in the contract's error shape, with a message
// naming the field; none is a 5xx, and none leaves anything behind. Cases
// with status 0 are odd but legal: any answer below 500 will do.
func TestHostileInput(t *testing.T) {
	e := newMatrixEnv(t)
	f := newMatrixFixture(t, e, "hostile")
	// g takes the bodies that are valid or legal: they may change it.
	g := newMatrixFixture(t, e, "valid")
	before := canvasSnapshot(t, e, f)
	var total atomic.Int64
	t.Run("routes", func(t *testing.T) {
		for _, rt := range hostileRoutes {
			t.Run(rt.name, func(t *testing.T) {
				t.Parallel()
				hostileRouteCases(t, e, rt, f, g, &total)
			})
		}
	})
	if after := canvasSnapshot(t, e, f); !bytes.Equal(before, after) {
		t.Errorf("hostile input changed the fixture canvas:\n%s", snapshotDiff(before, after))
	}
	// And created no canvas: only the fixtures and the odd but legal ones exist.
	var list api.ListCanvasesResponse
	e.do("owner", "GET", "/api/v1/canvases", nil).decode(t, &list)
	for _, c := range list.Canvases {
		if n := c.Metadata.Name; n != "hostile" && n != "valid" && !strings.HasPrefix(n, "valid-") && !strings.HasPrefix(n, "odd-") {
			t.Errorf("hostile input created canvas %q", n)
		}
	}
	t.Logf("%d malformed requests over %d write routes", total.Load(), len(hostileRoutes))
}

// hostileRouteCases runs every case of one route: the malformed ones on f,
// which must stay as it is, and the odd but legal ones on g.
func hostileRouteCases(t *testing.T, e *env, rt hostileRoute, f, g matrixFixture, total *atomic.Int64) {
	// The valid body really is valid: the cases below fail because of what
	// they change, not because the base was already wrong.
	if r := e.do("owner", rt.method, rt.path(g), rt.valid(g, "valid-"+strings.ToLower(rt.name))); r.status != http.StatusOK {
		t.Fatalf("the valid body is refused: %d %s", r.status, r.body)
	}
	for _, tc := range append(genericCases(rt, f), routeCases(rt, f)...) {
		total.Add(1)
		r := e.do("owner", rt.method, rt.path(f), tc.body)
		label := fmt.Sprintf("%s %s", rt.name, tc.name)
		if r.status >= 500 {
			t.Errorf("%s: %d %s", label, r.status, clipBody(r.body))
			continue
		}
		if r.status != tc.status || r.err.Code != codeOf(tc.status) || !strings.Contains(r.err.Message, tc.want) {
			t.Errorf("%s: got %d %s; want %d naming %q", label, r.status, clipBody(r.body), tc.status, tc.want)
		}
	}
	for _, tc := range oddCases(rt, g) {
		total.Add(1)
		r := e.do("owner", rt.method, rt.path(g), tc.body)
		if r.status >= 500 || (tc.status != 0 && r.status != tc.status) {
			t.Errorf("%s %s: got %d %s; want %d", rt.name, tc.name, r.status, clipBody(r.body), tc.status)
		}
	}
	// Whatever the odd bodies stored, every reader still works.
	for _, line := range bytes.Split(bytes.TrimSpace(canvasSnapshot(t, e, g)), []byte("\n")) {
		if fields := bytes.Fields(line); len(fields) > 0 && (len(fields) < 2 || string(fields[1]) != "200") {
			t.Errorf("a read fails after the odd bodies: %s", clipBody(line))
		}
	}
}

// TestHostilePathsAndQueries tries odd ids, names and query values on the
// read and delete routes: never a 5xx, and a missing object is a 404.
func TestHostilePathsAndQueries(t *testing.T) {
	e := newMatrixEnv(t)
	f := newMatrixFixture(t, e, "paths")
	c := "/api/v1/canvases/" + f.canvas
	odd := []string{
		"x'%20OR%20'1'%3D'1", "%00", "%ff%fe", "..%2f..%2fetc", "%2e%2e", "00000000-0000-0000-0000-000000000000",
		"not-a-uuid-but-36-characters-long-xx", strings.Repeat("a", 5000), "%E2%80%AE", "{idOrName}",
	}
	for _, id := range odd {
		for _, p := range []string{
			"/api/v1/canvases/" + id, "/api/v1/secrets/" + id + f.q(), "/api/v1/integrations/" + id + f.q(),
			c + "/event-sources/" + id, c + "/stages/" + id, c + "/stages/" + id + "/events", c + "/stages/" + id + "/executions",
			c + "/stages/" + f.gate + "/events/" + id + "/approve", c + "/stages/" + f.run + "/executions/" + id + "/cancel",
			"/api/v1/sources/" + id,
		} {
			method := "GET"
			if strings.HasSuffix(p, "/approve") || strings.HasSuffix(p, "/cancel") || strings.HasPrefix(p, "/api/v1/sources/") {
				method = "POST"
			}
			r := hostileRaw(t, e, method, p)
			if r >= 500 {
				t.Errorf("%s %s: %d", method, clipBody([]byte(p)), r)
			}
		}
	}
	for _, q := range []string{
		"?domainType=DOMAIN_TYPE_GALAXY", "?domainType=DOMAIN_TYPE_CANVAS&domainId=%27%3B--", "?domainType=%ff",
		"?domainType=DOMAIN_TYPE_ORGANIZATION&domainId=" + strings.Repeat("x", 3000),
	} {
		for _, p := range []string{"/api/v1/secrets" + q, "/api/v1/integrations" + q} {
			if r := e.do("owner", "GET", p, nil); r.status != 400 && r.status != 404 {
				t.Errorf("GET %s: %d %s", clipBody([]byte(p)), r.status, clipBody(r.body))
			}
		}
	}
	for _, q := range []string{"?limit=0", "?limit=-1", "?limit=99999999999999999999", "?limit=x", "?before=yesterday", "?before=2020-01-01T00:00:00Z&beforeId=%27", "?sourceId=%27%20OR%201%3D1"} {
		for _, p := range []string{c + "/events" + q, c + "/stages/" + f.run + "/executions" + q, c + "/stages/" + f.gate + "/events" + q} {
			r := e.do("owner", "GET", p, nil)
			if r.status >= 500 {
				t.Errorf("GET %s: %d %s", p, r.status, clipBody(r.body))
			}
		}
	}
	if r := e.do("owner", "GET", c+"/stages/"+f.gate+"/events?states=STATE_EVERYTHING", nil); r.status != 400 || !strings.Contains(r.err.Message, "states") {
		t.Errorf("unknown state filter: %d %s", r.status, r.body)
	}
}

// hostileRaw sends a request whose path is used as is (no encoding) and
// returns the status.
func hostileRaw(t *testing.T, e *env, method, path string) int {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(`{}`))
	if err != nil {
		// Some paths are not even valid URLs; nothing reached the server.
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// jsonQuote writes s as a JSON string with its bytes as they are: quotes,
// backslashes and control characters are escaped, but invalid UTF-8 is left
// in (json.Marshal would replace it), since that is what the test sends.
func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// codeOf is the gRPC code the contract pairs with an HTTP status.
func codeOf(status int) int {
	switch status {
	case 400, 413:
		return api.CodeInvalidArgument
	case 404:
		return api.CodeNotFound
	case 409:
		return api.CodeAlreadyExists
	}
	return -1
}

// clipBody keeps failure messages readable when a body is huge.
func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// TestEventsLargestPage pages through 501 events with the largest limit the
// API accepts (500). The store returns at most 500 events at once, so the
// listing cannot ask it for one more to tell whether a next page exists; it
// must still offer one, or the 501st event is silently out of reach.
func TestEventsLargestPage(t *testing.T) {
	e := newEnv(t)
	c := createCanvas(t, e, "prod")
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &src)
	var me api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)
	const n = 501
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for i := range n {
		ev := store.Event{
			ID: uuid.NewString(), OrgID: me.OrganizationID, CanvasID: c.Metadata.ID, SourceID: src.EventSource.Metadata.ID,
			Type: "manual", Raw: []byte(fmt.Sprintf(`{"i":%d}`, i)), Headers: []byte(`{}`), State: api.EventStateProcessed,
			ReceivedAt: base.Add(time.Duration(i) * time.Millisecond),
		}
		if _, _, err := e.store.InsertEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{500, 499, 167} {
		seen := map[string]bool{}
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		for page := 0; page < 10; page++ {
			var out api.ListEventsResponse
			e.do("viewer", "GET", "/api/v1/canvases/prod/events?"+q.Encode(), nil).decode(t, &out)
			for _, ev := range out.Events {
				if seen[ev.ID] {
					t.Fatalf("limit %d: event %s on two pages", limit, ev.ID)
				}
				seen[ev.ID] = true
			}
			if !out.HasNextPage || len(out.Events) == 0 {
				break
			}
			last := out.Events[len(out.Events)-1]
			q.Set("before", last.ReceivedAt.Format(time.RFC3339Nano))
			q.Set("beforeId", last.ID)
		}
		if len(seen) != n {
			t.Errorf("limit %d: paging reached %d of %d events", limit, len(seen), n)
		}
	}
}
