import sys
n=int(sys.argv[1]); canvas=sys.argv[2]
sources=n//5; stages=n//5; secrets=n-sources-stages
out=['''terraform {
  required_providers {
    superplane = { source = "superplane/superplane" }
  }
}

provider "superplane" {}

resource "superplane_canvas" "bench" {
  name = "%s"
}
''' % canvas]
for i in range(secrets):
    out.append('''
resource "superplane_secret" "s%d" {
  canvas          = superplane_canvas.bench.name
  name            = "s%d"
  data_wo         = { DB_URL = "postgres://app:pw-%d@db:5432/app", API_TOKEN = "tok_%08d", SIGNING_KEY = "c2lnbmluZy1rZXktJWQ=", REGION = "eu-west-1", LOG_LEVEL = "info" }
  data_wo_version = 1
}
''' % (i,i,i,i))
for i in range(sources):
    out.append('''
resource "superplane_event_source" "e%d" {
  canvas = superplane_canvas.bench.name
  name   = "e%d"
  type   = "webhook"
}
''' % (i,i))
for i in range(stages):
    out.append('''
resource "superplane_stage" "t%d" {
  canvas = superplane_canvas.bench.name
  name   = "t%d"

  connect {
    type = "event_source"
    name = superplane_event_source.e%d.name
  }

  noop {}
}
''' % (i,i,i%max(sources,1)))
print(''.join(out))
