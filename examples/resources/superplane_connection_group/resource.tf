resource "superplane_canvas" "production" {
  name = "production"
}

# The build posts {"version": "1.4.2", ...} when an image is pushed; the
# test suite posts {"version": "1.4.2", "passed": true} when it is done.
resource "superplane_event_source" "build" {
  canvas = superplane_canvas.production.name
  name   = "build"
  type   = "webhook"
}

resource "superplane_event_source" "tests" {
  canvas = superplane_canvas.production.name
  name   = "tests"
  type   = "webhook"
}

# Waits, for each version, until both the build and passing tests have
# reported it, then emits one event; a version still missing one after an
# hour is dropped.
resource "superplane_connection_group" "release" {
  canvas      = superplane_canvas.production.name
  name        = "release"
  description = "A built version whose tests passed"

  connect {
    type = "event_source"
    name = superplane_event_source.build.name
  }

  connect {
    type = "event_source"
    name = superplane_event_source.tests.name

    filter {
      data = "$.passed == true"
    }
  }

  group_by {
    name       = "version"
    expression = "$.version"
  }

  timeout_seconds  = 3600
  timeout_behavior = "drop"
}

# The stage runs once per joined version: $.fields.version is the group_by
# value, $.events.build the build's payload.
resource "superplane_stage" "deploy" {
  canvas = superplane_canvas.production.name
  name   = "deploy"

  connect {
    type = "connection_group"
    name = superplane_connection_group.release.name
  }

  input {
    name = "VERSION"
  }

  input_mapping {
    value {
      name = "VERSION"
      from_event {
        expression = "$.fields.version"
      }
    }
  }

  noop {}
}
