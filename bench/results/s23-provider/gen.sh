#!/bin/bash
# gen.sh <n> <source> <canvas>
n=$1 src=$2 canvas=$3
sources=$((n/5)); stages=$((n/5)); secrets=$((n-sources-stages))
printf 'terraform {\n  required_providers {\n    superplane = { source = "%s" }\n  }\n}\n\nprovider "superplane" {}\n\nresource "superplane_canvas" "bench" {\n  name = "%s"\n}\n' "$src" "$canvas"
for ((i=0;i<secrets;i++)); do
printf '\nresource "superplane_secret" "s%d" {\n  canvas          = superplane_canvas.bench.name\n  name            = "s%d"\n  data_wo         = { DB_URL = "postgres://app:pw-%d@db:5432/app", API_TOKEN = "tok_%08d", SIGNING_KEY = "c2lnbmluZy1rZXktJWQ=", REGION = "eu-west-1", LOG_LEVEL = "info" }\n  data_wo_version = 1\n}\n' $i $i $i $i
done
for ((i=0;i<sources;i++)); do
printf '\nresource "superplane_event_source" "e%d" {\n  canvas = superplane_canvas.bench.name\n  name   = "e%d"\n  type   = "webhook"\n}\n' $i $i
done
for ((i=0;i<stages;i++)); do
printf '\nresource "superplane_stage" "t%d" {\n  canvas = superplane_canvas.bench.name\n  name   = "t%d"\n\n  connect {\n    type = "event_source"\n    name = superplane_event_source.e%d.name\n  }\n\n  noop {}\n}\n' $i $i $((i % (sources>0?sources:1)))
done
