package cli

import (
	"strings"
	"testing"
)

// TestConvertMongoDBAtlasIntegration: a mongodb_atlas integration becomes
// its mongodb_atlas block (the organization, the API key's public key or
// the service account's client id, and the secret by reference, never the
// private key or client secret), and one without its settings or its
// secret reference is written with a warning naming what to add. The HCL
// passes terraform validate with the provider of this tree when terraform
// is installed.
func TestConvertMongoDBAtlasIntegration(t *testing.T) {
	c := loggedOut(t)
	c.stdin = `kind: Secret
metadata: {name: atlas}
spec: {provider: PROVIDER_LOCAL, local: {data: {private_key: manifest-atlas-private-value, client_secret: manifest-atlas-client-value}}}
---
kind: Integration
metadata: {name: atlas-key}
spec:
  type: mongodb_atlas
  mongodbAtlas:
    organizationId: 5f0a1b2c3d4e5f6a7b8c9d0e
    apiKey: {publicKey: qwertyui, privateKey: {valueFrom: {secret: {domainType: DOMAIN_TYPE_ORGANIZATION, name: atlas, key: private_key}}}}
---
kind: Integration
metadata: {name: atlas-sa}
spec:
  type: mongodb_atlas
  mongodbAtlas:
    organizationId: 5f0a1b2c3d4e5f6a7b8c9d0e
    serviceAccount: {clientId: mdb_sa_id_abc123, clientSecret: {valueFrom: {secret: {domainType: DOMAIN_TYPE_ORGANIZATION, name: atlas, key: client_secret}}}}
`
	r := c.run("convert", "-")
	if r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("convert: exit %d\n%s", r.code, r.stderr)
	}
	for _, v := range []string{"manifest-atlas-private-value", "manifest-atlas-client-value"} {
		if strings.Contains(r.stdout+r.stderr, v) {
			t.Errorf("convert wrote the secret value %q", v)
		}
	}
	for _, want := range []string{
		"  type = \"mongodb_atlas\"\n",
		"    organization_id = \"5f0a1b2c3d4e5f6a7b8c9d0e\"\n",
		"    api_key {\n      public_key = \"qwertyui\"\n      secret     = superplane_secret.atlas.name\n      key        = \"private_key\"\n    }\n",
		"    service_account {\n      client_id = \"mdb_sa_id_abc123\"\n      secret    = superplane_secret.atlas.name\n      key       = \"client_secret\"\n    }\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the HCL lacks\n%s\nin\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "auth {") {
		t.Errorf("a mongodb_atlas integration has no auth block:\n%s", r.stdout)
	}

	for doc, want := range map[string]string{
		"kind: Integration\nmetadata: {name: a}\nspec: {type: mongodb_atlas}\n":                                                                                          "without spec.mongodbAtlas: add the mongodb_atlas block",
		"kind: Integration\nmetadata: {name: a}\nspec: {type: mongodb_atlas, mongodbAtlas: {organizationId: 5f0a1b2c3d4e5f6a7b8c9d0e}}\n":                                "add mongodb_atlas.api_key or mongodb_atlas.service_account",
		"kind: Integration\nmetadata: {name: a}\nspec: {type: mongodb_atlas, mongodbAtlas: {organizationId: 5f0a1b2c3d4e5f6a7b8c9d0e, apiKey: {publicKey: qwertyui}}}\n": "add mongodb_atlas.api_key.secret and key",
	} {
		c.stdin = doc
		if w := c.run("convert", "-"); w.code != 0 || !strings.Contains(w.stderr, want) {
			t.Errorf("convert of %q: exit %d, want a warning %q:\n%s", doc, w.code, want, w.stderr)
		}
	}

	validateConverted(t, r.stdout)
}
