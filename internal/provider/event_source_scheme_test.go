package provider

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestEventSourceSignatureSchemeMapping checks signature_scheme both ways:
// to the API's values and back, null for sources without one.
func TestEventSourceSignatureSchemeMapping(t *testing.T) {
	ctx := context.Background()
	for name, wire := range map[string]string{"hmac_sha256": api.SignatureSchemeHMAC, "standard_webhooks": api.SignatureSchemeStandardWebhooks} {
		m := sampleModel()
		m.SignatureScheme = types.StringValue(name)
		p, d := eventSourceParams(ctx, &m)
		if d.HasError() || p.Spec.SignatureScheme != wire {
			t.Errorf("%s: spec.signatureScheme %q (%v), want %s", name, p.Spec.SignatureScheme, d, wire)
		}
	}
	m := sampleModel()
	m.SignatureScheme = types.StringUnknown()
	if p, _ := eventSourceParams(ctx, &m); p.Spec.SignatureScheme != "" {
		t.Errorf("unset: spec.signatureScheme %q, want it left to the server", p.Spec.SignatureScheme)
	}
	for wire, want := range map[string]types.String{
		api.SignatureSchemeStandardWebhooks: types.StringValue("standard_webhooks"),
		api.SignatureSchemeHMAC:             types.StringValue("hmac_sha256"),
		"":                                  types.StringNull(),
	} {
		es := &api.EventSource{Metadata: &api.EventSourceMetadata{ID: sourceUUID, Name: "hook"},
			Spec: &api.EventSourceSpec{Type: "webhook", SignatureScheme: wire}}
		got, d := eventSourceModelFrom(es, &EventSourceResourceModel{Key: types.StringNull(), KeyVersion: types.Int64Null(), ForceDestroy: types.BoolNull()})
		if d.HasError() || !got.SignatureScheme.Equal(want) {
			t.Errorf("%q read back as %s, want %s", wire, got.SignatureScheme, want)
		}
	}
}

// deliverStandard posts body as a Standard Webhooks sender configured with
// secret (whsec_...) does, and returns the status.
func deliverStandard(url, secret, id string, body []byte) (int, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Webhook-Id", id)
	req.Header.Set("Webhook-Timestamp", ts)
	req.Header.Set("Webhook-Signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// TestAccEventSourceSignatureScheme creates a Standard Webhooks source: its
// key is a whsec_ secret a sender signs with; changing the scheme replaces
// the source; the attribute is refused on other types and for bad values.
func TestAccEventSourceSignatureScheme(t *testing.T) {
	canvas := randName("acc-es-scheme")
	name := randName("acc-es-std")
	cfg := func(typ, scheme string) string {
		line := ""
		if scheme != "" {
			line = fmt.Sprintf("  signature_scheme = %q\n", scheme)
		}
		return canvasConfig(canvas) + fmt.Sprintf("resource \"superplane_event_source\" \"test\" {\n  canvas = superplane_canvas.test.name\n  name = %q\n  type = %q\n%s}\n", name, typ, line)
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []tfresource.TestStep{
			{Config: cfg("manual", "standard_webhooks"), ExpectError: regexp.MustCompile(`Signature scheme not used`)},
			{Config: cfg("webhook", "sha1"), ExpectError: regexp.MustCompile(`signature_scheme`)},
			{
				Config: cfg("webhook", "standard_webhooks"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "signature_scheme", knownvalue.StringExact("standard_webhooks")),
					stateValue(sourceAddr, "key", knownvalue.StringRegexp(regexp.MustCompile(`^whsec_[A-Za-z0-9+/]+=*$`))),
				},
				Check: func(s *terraform.State) error {
					a, err := attrs(s, sourceAddr)
					if err != nil {
						return err
					}
					recordSourceKey(a["key"])
					if code, err := deliverStandard(a["webhook_url"], a["key"], "msg_1", []byte(`{"n":1}`)); err != nil || code != 200 {
						return fmt.Errorf("standard webhooks delivery: %d %v, want 200", code, err)
					}
					if code, err := deliver(a["webhook_url"], a["key"], []byte(`{"n":2}`)); err != nil || code != 401 {
						return fmt.Errorf("default-scheme delivery: %d %v, want 401", code, err)
					}
					return nil
				},
			},
			{
				// Leaving the attribute out keeps the scheme: no change.
				Config:   cfg("webhook", ""),
				PlanOnly: true,
			},
			{
				Config: cfg("webhook", "hmac_sha256"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "signature_scheme", knownvalue.StringExact("hmac_sha256")),
					stateValue(sourceAddr, "key", knownvalue.StringRegexp(keyPattern)),
				},
				Check: func(s *terraform.State) error {
					a, err := attrs(s, sourceAddr)
					if err != nil {
						return err
					}
					recordSourceKey(a["key"])
					return nil
				},
			},
		},
	})
}
